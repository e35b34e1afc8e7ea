#include "pot/error.hpp"

namespace pot {

Error::~Error() = default;

}  // namespace pot
