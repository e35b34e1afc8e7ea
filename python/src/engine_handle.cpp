#include "engine_handle.hpp"

#include "pot/core/log.hpp"
#include "pot/core/quantization_job.hpp"

namespace pot::python {

EngineHandle::EngineHandle(const std::filesystem::path& plugin_dir, const std::string& backend, int threads)
    : plugin_dir_(plugin_dir) {
    core::Logger logger(LogLevel::Warning);
    for (const auto& skipped : registry_.load_directory(plugin_dir))
        logger.log(LogLevel::Warning, "skipped plugin " + skipped.reason);
    engine_ = core::create_engine(registry_, backend, "{}", threads, "IEEngine config 'backend'");
}

}  // namespace pot::python
