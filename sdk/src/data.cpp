#include "pot/data.hpp"

namespace pot {

const char* Annotation::kind_name() const {
    switch (kind) {
        case Kind::ClassIndex: return "class index";
        case Kind::Text: return "text";
        case Kind::Json: return "JSON value";
    }
    return "annotation";
}

}  // namespace pot
