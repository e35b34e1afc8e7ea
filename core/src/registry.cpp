#include "pot/core/registry.hpp"

#include <algorithm>
#include <cctype>

#include "pot/error.hpp"
#include "pot/plugin.hpp"
#include "pot/text.hpp"

namespace pot::core {

namespace {
bool looks_like_shared_library(const std::filesystem::path& p) {
    const auto name = p.filename().string();
    return p.extension() == ".so" || name.find(".so.") != std::string::npos;
}
}  // namespace

std::vector<SkippedPlugin> Registry::load_directory(const std::filesystem::path& dir) {
    std::error_code ec;
    POT_CHECK_KIND(Usage, std::filesystem::is_directory(dir, ec), "plugin folder '", dir.string(),
                   "' does not exist or is not a folder; pass --plugins DIR");
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
        if (entry.is_regular_file() && looks_like_shared_library(entry.path()))
            files.push_back(entry.path());
    POT_CHECK_KIND(Usage, !ec, "cannot list plugin folder '", dir.string(), "': ", ec.message());
    std::sort(files.begin(), files.end());
    std::vector<SkippedPlugin> skipped;
    for (const auto& file : files) {
        try {
            load_file(file);
        } catch (const Error& e) {
            skipped.push_back({file, e.what()});
        }
    }
    return skipped;
}

void Registry::load_file(const std::filesystem::path& file) {
    auto library = PluginLibrary::load(file);
    for (const auto& f : library->factories()) {
        auto it = entries_.find({f.kind, f.name});
        POT_CHECK_KIND(Input, it == entries_.end(), file.string(), ": ", kind_name(f.kind), " '",
                       f.name, "' is already provided by ",
                       it == entries_.end() ? "" : it->second.library->file().string(),
                       "; remove one of the two files");
    }
    for (const auto& f : library->factories()) entries_[{f.kind, f.name}] = Entry{f, library};
}

bool Registry::has(PotKind kind, const std::string& name) const {
    return entries_.count({kind, name}) != 0;
}

std::vector<std::string> Registry::names(PotKind kind) const {
    std::vector<std::string> out;
    for (const auto& [key, entry] : entries_)
        if (key.first == kind) out.push_back(key.second);
    return out;
}

std::vector<RegistryEntry> Registry::entries() const {
    std::vector<RegistryEntry> out;
    for (const auto& [key, e] : entries_)
        out.push_back({e.factory.kind, e.factory.name, e.factory.description,
                       e.library->plugin_name(), e.library->version(), e.library->file()});
    return out;
}

const Registry::Entry& Registry::find(PotKind kind, const std::string& name,
                                      const std::string& where) const {
    auto it = entries_.find({kind, name});
    if (it != entries_.end()) return it->second;
    const auto known = names(kind);
    // Other spellings of a name ("Tpe" in POT's configs for "TPE") match when only one name
    // differs from it in case alone.
    const auto lower = [](std::string s) {
        for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return s;
    };
    const Entry* folded = nullptr;
    size_t matches = 0;
    for (const auto& n : known)
        if (lower(n) == lower(name)) {
            folded = &entries_.at({kind, n});
            ++matches;
        }
    if (matches == 1) return *folded;
    std::string list;
    for (const auto& n : known) list += (list.empty() ? "" : ", ") + n;
    // POT's algorithms that no plugin here provides: a spelling hint would name a different one.
    static const char* const kPotOnly[] = {
        "AccuracyAwareCommon", "AccuracyAwareGNA", "INT4MixedQuantization", "DataFreeQuantization",
        "RangeOptimization", "ParamsGridSearchAlgorithm", "QuantNoiseEstimator",
        "OutlierChannelSplitting",
        "WeightBiasCorrection", "MagnitudeSparsity", "WeightSparsity", "BaseWeightSparsity",
        "OverflowCorrection", "Ranger", "LayerwiseFinetuning"};
    // Named by a POT example config (mobilenetV2_pytorch_int8_tune_quantile.json) but registered
    // nowhere in POT's code: POT stops on it too.
    if (kind == POT_KIND_ALGORITHM && name == "QuantileTuningAlgorithm")
        POT_THROW(Config, where, ": 'QuantileTuningAlgorithm' is named in an OpenVINO POT example config, but POT's code "
                  "registers no such algorithm (POT rejects the config too); to tune quantile ranges use TunableQuantization "
                  "with tuning_scope [\"range_estimator\"] and an optimizer, or RangeOptimization; algorithms "
                  "here: ", list);
    if (kind == POT_KIND_ALGORITHM && std::find(std::begin(kPotOnly), std::end(kPotOnly), name) != std::end(kPotOnly))
        POT_THROW(Config, where, ": '", name, "' is an OpenVINO POT algorithm that no loaded plugin provides; "
                  "algorithms here: ", list);
    POT_THROW(Config, where, ": unknown ", kind_name(kind), " '", name, "'", did_you_mean(name, known),
              known.empty() ? std::string("; no plugin provides any ") + kind_name(kind)
                            : "; known: " + list);
}

void* Registry::create(PotKind kind, const std::string& name, const std::string& params_json,
                       const std::string& where, const Entry*& entry) const {
    entry = &find(kind, name, where);
    char error[2048] = {0};
    uint32_t error_kind = POT_ERROR_RUNTIME;
    void* object = entry->factory.create(params_json.c_str(), error, sizeof(error), &error_kind);
    if (object) return object;
    std::string message = error[0] ? error : "create() failed without a message";
    const bool config_error = error_kind == POT_ERROR_CONFIG;
    // Parameter paths inside the plugin start at "params"; anchor them at the config entry.
    if (message.rfind("params", 0) == 0) message = where + "/" + message;
    const std::string text = str_cat(kind_name(kind), " '", name, "' (",
                                     entry->library->file().filename().string(), "): ", message);
    if (config_error) throw Error(ErrorKind::Config, text);
    throw Error(ErrorKind::Runtime, text);
}

PluginPtr<Algorithm> Registry::create_algorithm(const std::string& name,
                                                const std::string& params_json,
                                                const std::string& where) const {
    const Entry* entry = nullptr;
    void* object = create(POT_KIND_ALGORITHM, name, params_json, where, entry);
    return PluginPtr<Algorithm>(static_cast<Algorithm*>(object),
                                {entry->factory.destroy, entry->library});
}

PluginPtr<Engine> Registry::create_engine(const std::string& name, const std::string& params_json,
                                          const std::string& where) const {
    const Entry* entry = nullptr;
    void* object = create(POT_KIND_ENGINE, name, params_json, where, entry);
    return PluginPtr<Engine>(static_cast<Engine*>(object), {entry->factory.destroy, entry->library});
}

PluginPtr<Metric> Registry::create_metric(const std::string& name, const std::string& params_json,
                                          const std::string& where) const {
    const Entry* entry = nullptr;
    void* object = create(POT_KIND_METRIC, name, params_json, where, entry);
    return PluginPtr<Metric>(static_cast<Metric*>(object), {entry->factory.destroy, entry->library});
}

PluginPtr<Optimizer> Registry::create_optimizer(const std::string& name,
                                                const std::string& params_json,
                                                const std::string& where) const {
    const Entry* entry = nullptr;
    void* object = create(POT_KIND_OPTIMIZER, name, params_json, where, entry);
    return PluginPtr<Optimizer>(static_cast<Optimizer*>(object),
                                {entry->factory.destroy, entry->library});
}

}  // namespace pot::core
