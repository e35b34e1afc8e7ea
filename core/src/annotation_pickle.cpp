#include "annotation_pickle.hpp"

#include <cstring>
#include <memory>
#include <optional>

#include "pot/error.hpp"
#include "pot/file_io.hpp"

namespace pot::core {

namespace {

// SQuAD v1.1's converted annotation is a few hundred MB.
constexpr uint64_t kMaxPickleBytes = uint64_t{4} << 30;
// Nesting deeper than this is no annotation (and deep chains would exhaust the stack when freed).
constexpr int kMaxNesting = 200;

struct PyValue;
using PyRef = std::shared_ptr<PyValue>;

// The values a pickle builds, without running anything: a class or function is its name, and
// calling it (REDUCE, NEWOBJ) records the callee and arguments.
struct PyValue {
    enum class Kind { None, Bool, Int, Float, Str, Bytes, List, Tuple, Dict, Global, Call };
    Kind kind = Kind::None;
    int64_t i = 0;
    double f = 0;
    std::string s;             // Str, Bytes; Global: "module.name"
    std::vector<PyRef> items;  // List, Tuple; Dict: key, value, key, value...
    PyRef callee, args, state;  // Call
    int depth = 0;
};

PyRef make(PyValue::Kind kind) {
    auto v = std::make_shared<PyValue>();
    v->kind = kind;
    return v;
}

class Unpickler {
public:
    Unpickler(const std::string& bytes, const std::string& origin) : b_(bytes), origin_(origin) {}

    bool at_end() const { return pos_ >= b_.size(); }

    // One pickle, up to its STOP.
    PyRef load() {
        stack_.clear();
        marks_.clear();
        memo_.clear();
        for (;;) {
            const size_t op_at = pos_;
            const auto op = static_cast<uint8_t>(byte());
            switch (op) {
                case 0x80: byte(); break;              // PROTO
                case 0x95: take(8); break;             // FRAME
                case 0x2e: return pop(op_at);          // STOP
                case 0x28: marks_.push_back(stack_.size()); break;  // MARK
                case 0x7d: push(make(PyValue::Kind::Dict)); break;
                case 0x5d: case 0x8f: push(make(PyValue::Kind::List)); break;  // EMPTY_LIST, EMPTY_SET
                case 0x29: push(make(PyValue::Kind::Tuple)); break;
                case 0x4e: push(make(PyValue::Kind::None)); break;
                case 0x88: case 0x89: { auto v = make(PyValue::Kind::Bool); v->i = op == 0x88; push(v); break; }
                case 0x4a: push_int(static_cast<int32_t>(le(4))); break;  // BININT
                case 0x4b: push_int(static_cast<int64_t>(le(1))); break;  // BININT1
                case 0x4d: push_int(static_cast<int64_t>(le(2))); break;  // BININT2
                case 0x8a: push_long(le(1), op_at); break;               // LONG1
                case 0x8b: push_long(le(4), op_at); break;               // LONG4
                case 0x47: push_float(); break;                          // BINFLOAT
                case 0x58: push_text(PyValue::Kind::Str, le(4)); break;  // BINUNICODE
                case 0x8c: push_text(PyValue::Kind::Str, le(1)); break;  // SHORT_BINUNICODE
                case 0x8d: push_text(PyValue::Kind::Str, le(8)); break;  // BINUNICODE8
                case 0x43: case 0x55: push_text(PyValue::Kind::Bytes, le(1)); break;  // SHORT_BINBYTES/STRING
                case 0x42: case 0x54: push_text(PyValue::Kind::Bytes, le(4)); break;  // BINBYTES/STRING
                case 0x8e: case 0x96: push_text(PyValue::Kind::Bytes, le(8)); break;  // BINBYTES8, BYTEARRAY8
                case 0x94: memo_.push_back(top(op_at)); break;           // MEMOIZE
                case 0x71: put(le(1), op_at); break;                     // BINPUT
                case 0x72: put(le(4), op_at); break;                     // LONG_BINPUT
                case 0x68: get(le(1), op_at); break;                     // BINGET
                case 0x6a: get(le(4), op_at); break;                     // LONG_BINGET
                case 0x63: {                                             // GLOBAL
                    const std::string module = line(op_at), name = line(op_at);
                    push_global(module, name);
                    break;
                }
                case 0x93: {                                             // STACK_GLOBAL
                    const PyRef name = pop(op_at), module = pop(op_at);
                    check(module->kind == PyValue::Kind::Str && name->kind == PyValue::Kind::Str, op_at,
                          "STACK_GLOBAL without two strings");
                    push_global(module->s, name->s);
                    break;
                }
                case 0x52: case 0x81: {                                  // REDUCE, NEWOBJ
                    const PyRef args = pop(op_at), callee = pop(op_at);
                    push(call(callee, args));
                    break;
                }
                case 0x92: {                                             // NEWOBJ_EX
                    pop(op_at);
                    const PyRef args = pop(op_at), callee = pop(op_at);
                    push(call(callee, args));
                    break;
                }
                case 0x62: {                                             // BUILD
                    const PyRef state = pop(op_at);
                    top(op_at)->state = state;
                    break;
                }
                case 0x73: {                                             // SETITEM
                    const PyRef value = pop(op_at), key = pop(op_at);
                    add(top(op_at), {key, value}, PyValue::Kind::Dict, op_at);
                    break;
                }
                case 0x75: case 0x65: case 0x90: {                       // SETITEMS, APPENDS, ADDITEMS
                    const PyRef to = below_mark(op_at);
                    add(to, pop_mark(op_at), op == 0x75 ? PyValue::Kind::Dict : PyValue::Kind::List, op_at);
                    break;
                }
                case 0x61: {                                             // APPEND
                    const PyRef item = pop(op_at);
                    add(top(op_at), {item}, PyValue::Kind::List, op_at);
                    break;
                }
                case 0x74: case 0x91: push(tuple(pop_mark(op_at))); break;  // TUPLE, FROZENSET
                case 0x85: push(tuple({pop(op_at)})); break;
                case 0x86: { auto b = pop(op_at), a = pop(op_at); push(tuple({a, b})); break; }
                case 0x87: { auto c = pop(op_at), b = pop(op_at), a = pop(op_at); push(tuple({a, b, c})); break; }
                case 0x30: pop(op_at); break;                            // POP
                case 0x31: pop_mark(op_at); break;                       // POP_MARK
                case 0x32: push(top(op_at)); break;                      // DUP
                default:
                    fail(op_at, str_cat("opcode 0x", hex(op), " is not read (pickle protocols 2 to 5 without "
                                        "out-of-band buffers or persistent ids)"));
            }
        }
    }

    [[noreturn]] void fail(size_t at, const std::string& why) const {
        POT_THROW(Input, origin_, ": byte ", at, ": ", why, "; expected Accuracy Checker's pickled annotations");
    }
    void check(bool ok, size_t at, const char* why) const {
        if (!ok) fail(at, why);
    }

private:
    static std::string hex(uint8_t v) {
        const char* digits = "0123456789abcdef";
        return {digits[v >> 4], digits[v & 15]};
    }
    char byte() {
        if (pos_ >= b_.size()) fail(pos_, "truncated");
        return b_[pos_++];
    }
    std::string take(uint64_t n) {
        if (n > b_.size() - pos_) fail(pos_, str_cat("truncated: ", n, " bytes announced, ", b_.size() - pos_, " left"));
        std::string out = b_.substr(pos_, n);
        pos_ += n;
        return out;
    }
    uint64_t le(int n) {
        const std::string raw = take(static_cast<uint64_t>(n));
        uint64_t v = 0;
        for (int k = n - 1; k >= 0; --k) v = (v << 8) | static_cast<uint8_t>(raw[static_cast<size_t>(k)]);
        return v;
    }
    std::string line(size_t at) {
        const auto end = b_.find('\n', pos_);
        if (end == std::string::npos) fail(at, "GLOBAL without a line end");
        std::string out = b_.substr(pos_, end - pos_);
        pos_ = end + 1;
        return out;
    }
    void push(PyRef v) { stack_.push_back(std::move(v)); }
    PyRef pop(size_t at) {
        check(!stack_.empty() && (marks_.empty() || stack_.size() > marks_.back()), at, "stack underflow");
        PyRef v = std::move(stack_.back());
        stack_.pop_back();
        return v;
    }
    PyRef top(size_t at) {
        check(!stack_.empty(), at, "stack underflow");
        return stack_.back();
    }
    std::vector<PyRef> pop_mark(size_t at) {
        check(!marks_.empty(), at, "no MARK");
        std::vector<PyRef> out(stack_.begin() + static_cast<std::ptrdiff_t>(marks_.back()), stack_.end());
        stack_.resize(marks_.back());
        marks_.pop_back();
        return out;
    }
    PyRef below_mark(size_t at) {
        check(!marks_.empty() && marks_.back() > 0, at, "no object below MARK");
        return stack_[marks_.back() - 1];
    }
    void put(uint64_t key, size_t at) {
        check(key < (uint64_t{1} << 24), at, "memo key too large");
        if (memo_.size() <= key) memo_.resize(key + 1);
        memo_[key] = top(at);
    }
    void get(uint64_t key, size_t at) {
        check(key < memo_.size() && memo_[key], at, "memo key not set");
        push(memo_[key]);
    }
    void push_int(int64_t v) {
        auto p = make(PyValue::Kind::Int);
        p->i = v;
        push(p);
    }
    void push_long(uint64_t n, size_t at) {
        check(n <= 8, at, "integer wider than 64 bits");
        const std::string raw = take(n);
        uint64_t v = 0;
        for (size_t k = n; k-- > 0;) v = (v << 8) | static_cast<uint8_t>(raw[k]);
        // Two's complement of n bytes, sign-extended.
        if (n > 0 && n < 8 && (static_cast<uint8_t>(raw[n - 1]) & 0x80)) v |= ~uint64_t{0} << (8 * n);
        push_int(static_cast<int64_t>(v));
    }
    void push_float() {
        const std::string raw = take(8);
        uint64_t bits = 0;
        for (size_t k = 0; k < 8; ++k) bits = (bits << 8) | static_cast<uint8_t>(raw[k]);  // big-endian
        auto p = make(PyValue::Kind::Float);
        std::memcpy(&p->f, &bits, 8);
        push(p);
    }
    void push_text(PyValue::Kind kind, uint64_t n) {
        auto p = make(kind);
        p->s = take(n);
        push(p);
    }
    void push_global(const std::string& module, const std::string& name) {
        auto p = make(PyValue::Kind::Global);
        p->s = module + "." + name;
        push(p);
    }
    static PyRef tuple(std::vector<PyRef> items) {
        auto t = make(PyValue::Kind::Tuple);
        for (const auto& i : items) t->depth = std::max(t->depth, i->depth + 1);
        t->items = std::move(items);
        return t;
    }
    PyRef call(PyRef callee, PyRef args) {
        auto c = make(PyValue::Kind::Call);
        c->depth = std::max(callee->depth, args->depth) + 1;
        c->callee = std::move(callee);
        c->args = std::move(args);
        check(c->depth <= kMaxNesting, pos_, "nested too deeply");
        return c;
    }
    void add(const PyRef& to, const std::vector<PyRef>& items, PyValue::Kind kind, size_t at) {
        check(to->kind == kind, at, kind == PyValue::Kind::Dict ? "SETITEM(S) on a non-dict" : "APPEND(S) on a non-list");
        check(kind != PyValue::Kind::Dict || items.size() % 2 == 0, at, "SETITEMS with an odd count");
        for (const auto& i : items) {
            to->depth = std::max(to->depth, i->depth + 1);
            to->items.push_back(i);
        }
        check(to->depth <= kMaxNesting, at, "nested too deeply");
    }

    const std::string& b_;
    std::string origin_;
    size_t pos_ = 0;
    std::vector<PyRef> stack_;
    std::vector<size_t> marks_;
    std::vector<PyRef> memo_;
};

bool is_global(const PyRef& v, const char* suffix) {
    if (!v || v->kind != PyValue::Kind::Global) return false;
    const std::string& s = v->s;
    const std::string want = std::string(".") + suffix;
    return s.size() >= want.size() && s.compare(s.size() - want.size(), want.size(), want) == 0 &&
           s.rfind("numpy.", 0) == 0;
}

// NumPy's dtype pickles as numpy.dtype("<kind><size>", ...) with state (version, byte order, ...).
struct ElementType {
    char kind = 0;  // b, i, u, f
    int size = 0;
};

std::optional<ElementType> element_type(const PyRef& dtype) {
    if (!dtype || dtype->kind != PyValue::Kind::Call || !is_global(dtype->callee, "dtype")) return std::nullopt;
    const auto& args = dtype->args->items;
    if (args.empty() || args[0]->kind != PyValue::Kind::Str || args[0]->s.size() < 2) return std::nullopt;
    if (dtype->state && dtype->state->kind == PyValue::Kind::Tuple && dtype->state->items.size() > 1 &&
        dtype->state->items[1]->kind == PyValue::Kind::Str && dtype->state->items[1]->s == ">")
        return std::nullopt;  // big-endian
    ElementType t;
    t.kind = args[0]->s[0];
    try {
        t.size = std::stoi(args[0]->s.substr(1));
    } catch (const std::logic_error&) {
        return std::nullopt;
    }
    return t;
}

template <typename Src, typename Dst>
void convert(const std::string& raw, Tensor& t) {
    Dst* dst = t.data<Dst>();
    for (int64_t k = 0; k < t.numel(); ++k) {
        Src v;
        std::memcpy(&v, raw.data() + static_cast<size_t>(k) * sizeof(Src), sizeof(Src));
        dst[k] = static_cast<Dst>(v);
    }
}

std::optional<Tensor> tensor_of(const ElementType& type, const Shape& shape, const std::string& raw) {
    int64_t count = 1;
    for (int64_t d : shape) count *= d;
    if (static_cast<uint64_t>(count) * static_cast<uint64_t>(type.size) != raw.size()) return std::nullopt;
    const auto with = [&](DType dtype, auto src, auto dst) {
        Tensor t(dtype, shape);
        convert<decltype(src), decltype(dst)>(raw, t);
        return t;
    };
    switch (type.kind) {
        case 'b': return with(DType::Bool, uint8_t{}, bool{});
        case 'i':
            if (type.size == 1) return with(DType::I8, int8_t{}, int8_t{});
            if (type.size == 2) return with(DType::I32, int16_t{}, int32_t{});
            if (type.size == 4) return with(DType::I32, int32_t{}, int32_t{});
            if (type.size == 8) return with(DType::I64, int64_t{}, int64_t{});
            break;
        case 'u':
            if (type.size == 1) return with(DType::U8, uint8_t{}, uint8_t{});
            if (type.size == 2) return with(DType::I64, uint16_t{}, int64_t{});
            if (type.size == 4) return with(DType::I64, uint32_t{}, int64_t{});
            break;
        case 'f':
            if (type.size == 4) return with(DType::F32, float{}, float{});
            if (type.size == 8) return with(DType::F32, double{}, float{});
            break;
        default:
            break;
    }
    return std::nullopt;
}

std::optional<Shape> shape_of(const PyRef& v) {
    if (!v || v->kind != PyValue::Kind::Tuple) return std::nullopt;
    Shape s;
    for (const auto& d : v->items) {
        if (d->kind != PyValue::Kind::Int || d->i < 0 || d->i > (int64_t{1} << 32)) return std::nullopt;
        s.push_back(d->i);
    }
    return s;
}

// An ndarray as NumPy pickles it: _reconstruct(ndarray, (0,), b'b') with state
// (version, shape, dtype, is_fortran, raw bytes); protocol 5's _frombuffer(raw, dtype, shape,
// order); a 0-d scalar(dtype, raw).
std::optional<Tensor> array_of(const PyRef& v) {
    if (!v || v->kind != PyValue::Kind::Call) return std::nullopt;
    const auto& args = v->args->items;
    if (is_global(v->callee, "_reconstruct")) {
        if (!v->state || v->state->kind != PyValue::Kind::Tuple || v->state->items.size() != 5) return std::nullopt;
        const auto& st = v->state->items;
        const auto shape = shape_of(st[1]);
        const auto type = element_type(st[2]);
        const bool fortran = st[3]->kind == PyValue::Kind::Bool && st[3]->i;
        if (!shape || !type || st[4]->kind != PyValue::Kind::Bytes || (fortran && shape->size() > 1)) return std::nullopt;
        return tensor_of(*type, *shape, st[4]->s);
    }
    if (is_global(v->callee, "_frombuffer") && args.size() == 4 && args[0]->kind == PyValue::Kind::Bytes) {
        const auto shape = shape_of(args[2]);
        const auto type = element_type(args[1]);
        if (!shape || !type || (args[3]->kind == PyValue::Kind::Str && args[3]->s == "F" && shape->size() > 1))
            return std::nullopt;
        return tensor_of(*type, *shape, args[0]->s);
    }
    if (is_global(v->callee, "scalar") && args.size() == 2 && args[1]->kind == PyValue::Kind::Bytes) {
        const auto type = element_type(args[0]);
        if (!type) return std::nullopt;
        return tensor_of(*type, {}, args[1]->s);
    }
    return std::nullopt;
}

// The attribute dict of an object: BUILD's state, or the dict half of (dict, slots).
const PyValue* attributes_of(const PyRef& object) {
    if (!object || object->kind != PyValue::Kind::Call || !object->state) return nullptr;
    const PyRef& state = object->state;
    if (state->kind == PyValue::Kind::Dict) return state.get();
    if (state->kind == PyValue::Kind::Tuple && state->items.size() == 2 && state->items[0]->kind == PyValue::Kind::Dict)
        return state->items[0].get();
    return nullptr;
}

const PyValue* value_of(const PyValue& dict, const std::string& key) {
    for (size_t k = 0; k + 1 < dict.items.size(); k += 2)
        if (dict.items[k]->kind == PyValue::Kind::Str && dict.items[k]->s == key) return dict.items[k + 1].get();
    return nullptr;
}

// The attributes SQuAD's answer extraction reads, checked as they are converted: a malformed one
// names the file, the annotation and the key.
class QuestionAnsweringReader {
public:
    QuestionAnsweringReader(const PyValue& attributes, size_t index, const std::string& origin)
        : attributes_(attributes), index_(index), origin_(origin) {}

    void read(AnnotationRecord& r) const {
        std::vector<std::string> missing;
        for (const char* key : kRequired)
            if (!value_of(attributes_, key)) missing.emplace_back(key);
        // Not a question-answering annotation at all: nothing is missing from it.
        if (!value_of(attributes_, "question_id")) return;
        if (!missing.empty()) {
            r.question_answering_missing = std::move(missing);
            return;
        }
        QuestionAnsweringRecord qa;
        qa.question_id = text(*value_of(attributes_, "question_id"), "question_id");
        const PyValue& answers = *value_of(attributes_, "orig_answer_text");
        expect(answers.kind == PyValue::Kind::List || answers.kind == PyValue::Kind::Tuple, "orig_answer_text",
               "a list of answers");
        for (const auto& a : answers.items) {
            // SQuAD's answers are {"text": ..., "answer_start": ...}; plain strings are read too.
            const PyValue* t = a->kind == PyValue::Kind::Dict ? value_of(*a, "text") : a.get();
            expect(t != nullptr, "orig_answer_text", "answers with a 'text'");
            qa.gold_answers.push_back(text(*t, "orig_answer_text"));
        }
        qa.context_words = texts(*value_of(attributes_, "doc_tokens"), "doc_tokens");
        qa.tokens = texts(*value_of(attributes_, "tokens"), "tokens");
        for (const auto& [position, word] : int_map(*value_of(attributes_, "token_to_orig_map"), "token_to_orig_map")) {
            expect(word >= 0 && word < static_cast<int64_t>(qa.context_words.size()), "token_to_orig_map",
                   "indices of doc_tokens");
            qa.token_to_word[position] = word;
        }
        for (const auto& [position, flag] : int_map(*value_of(attributes_, "token_is_max_context"), "token_is_max_context"))
            qa.token_is_max_context[position] = flag != 0;
        if (const PyValue* meta = value_of(attributes_, "metadata"); meta && meta->kind == PyValue::Kind::Dict)
            if (const PyValue* lower = value_of(*meta, "lower_case"))
                qa.lower_case = (lower->kind == PyValue::Kind::Bool || lower->kind == PyValue::Kind::Int) && lower->i;
        r.question_answering = std::move(qa);
    }

private:
    static constexpr const char* kRequired[] = {"question_id", "orig_answer_text", "doc_tokens", "tokens",
                                                "token_to_orig_map", "token_is_max_context"};

    void expect(bool ok, const char* key, const char* what) const {
        POT_CHECK_KIND(Input, ok, origin_, ": annotation ", index_, ": attribute '", key, "': expected ", what,
                       "; expected Accuracy Checker's SQuAD annotations");
    }
    std::string text(const PyValue& v, const char* key) const {
        expect(v.kind == PyValue::Kind::Str, key, "a string");
        return v.s;
    }
    std::vector<std::string> texts(const PyValue& v, const char* key) const {
        expect(v.kind == PyValue::Kind::List || v.kind == PyValue::Kind::Tuple, key, "a list of strings");
        std::vector<std::string> out;
        for (const auto& item : v.items) out.push_back(text(*item, key));
        return out;
    }
    std::vector<std::pair<int64_t, int64_t>> int_map(const PyValue& v, const char* key) const {
        expect(v.kind == PyValue::Kind::Dict, key, "a dict of integers");
        std::vector<std::pair<int64_t, int64_t>> out;
        for (size_t k = 0; k + 1 < v.items.size(); k += 2) {
            const PyValue& from = *v.items[k];
            const PyValue& to = *v.items[k + 1];
            expect(from.kind == PyValue::Kind::Int && from.i >= 0 &&
                       (to.kind == PyValue::Kind::Int || to.kind == PyValue::Kind::Bool),
                   key, "a dict of integers");
            out.emplace_back(from.i, to.i);
        }
        return out;
    }

    const PyValue& attributes_;
    size_t index_;
    const std::string& origin_;
};

AnnotationRecord record_of(const PyRef& object, size_t index, const std::string& origin) {
    const PyValue* attributes = attributes_of(object);
    POT_CHECK_KIND(Input, attributes != nullptr, origin, ": annotation ", index,
                   " is not an object with attributes; expected Accuracy Checker's pickled annotations");
    AnnotationRecord r;
    r.id = std::to_string(index);
    for (size_t k = 0; k + 1 < attributes->items.size(); k += 2) {
        const auto& key = attributes->items[k];
        if (key->kind != PyValue::Kind::Str) continue;
        if (auto t = array_of(attributes->items[k + 1])) r.arrays.insert_or_assign(key->s, std::move(*t));
    }
    QuestionAnsweringReader(*attributes, index, origin).read(r);
    return r;
}

}  // namespace

std::vector<AnnotationRecord> parse_annotation_pickle(const std::string& bytes, const std::string& origin) {
    Unpickler unpickler(bytes, origin);
    std::vector<AnnotationRecord> out;
    while (!unpickler.at_end()) {
        const PyRef v = unpickler.load();
        if (v->kind == PyValue::Kind::List) {
            for (const auto& item : v->items) out.push_back(record_of(item, out.size(), origin));
        } else {
            out.push_back(record_of(v, out.size(), origin));
        }
    }
    POT_CHECK_KIND(Input, !out.empty(), origin, ": holds no annotations");
    return out;
}

std::vector<AnnotationRecord> read_annotation_pickle(const std::filesystem::path& file) {
    return parse_annotation_pickle(read_file_bounded(file, kMaxPickleBytes, "annotation file"), file.string());
}

}  // namespace pot::core
