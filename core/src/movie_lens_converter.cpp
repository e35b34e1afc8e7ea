#include "movie_lens_converter.hpp"

#include <sstream>

#include "pot/error.hpp"
#include "pot/file_io.hpp"

namespace pot::core {

namespace {

// ml-20m's test ratings are 138 k lines; its negatives 100 items a user (70 MB).
constexpr uint64_t kMaxMovieLensBytes = uint64_t{1} << 30;

std::vector<std::string> fields(const std::string& line) {
    std::istringstream in(line);
    std::vector<std::string> out;
    for (std::string f; in >> f;) out.push_back(f);
    return out;
}

// ncf_data_reader's value of an identifier: the number after "u:" or "i:".
DataEntry entry(const char* prefix, const std::string& number, const std::string& where) {
    size_t used = 0;
    try {
        const int64_t i = std::stoll(number, &used);
        if (used == number.size()) return {prefix + number, Tensor::from_vector<int64_t>({1}, {i})};
        const double f = std::stod(number, &used);
        if (used == number.size()) return {prefix + number, Tensor::from_vector<float>({1}, {static_cast<float>(f)})};
    } catch (const std::logic_error&) {
    }
    POT_THROW(Input, where, ": '", number, "' is not a number (ncf_data_reader reads ids as numbers)");
}

}  // namespace

std::vector<std::vector<DataEntry>> movie_lens_samples(const std::filesystem::path& rating_file,
                                                       const std::filesystem::path& negative_file,
                                                       std::optional<int64_t> users_max_number) {
    std::vector<std::vector<DataEntry>> out;
    std::vector<std::string> users;
    {
        std::istringstream in(read_file_bounded(rating_file, kMaxMovieLensBytes, "rating file"));
        std::string line;
        for (size_t number = 1; std::getline(in, line); ++number) {
            const auto f = fields(line);
            const std::string where = str_cat(rating_file.string(), ":", number);
            POT_CHECK_KIND(Input, f.size() == 3, where, ": expected '<user> <item> <rating>', got '", line, "'");
            out.push_back({entry("u:", f[0], where), entry("i:", f[1], where)});
            users.push_back(f[0]);
            if (users_max_number && static_cast<int64_t>(users.size()) == *users_max_number) break;
        }
    }
    POT_CHECK_KIND(Input, !users.empty(), rating_file.string(), ": no ratings");
    std::vector<std::vector<std::string>> negatives;
    {
        std::istringstream in(read_file_bounded(negative_file, kMaxMovieLensBytes, "negative file"));
        for (std::string line; std::getline(in, line);) {
            negatives.push_back(fields(line));
            if (users_max_number && static_cast<int64_t>(negatives.size()) == *users_max_number) break;
        }
    }
    if (negatives.empty()) return out;
    const size_t columns = negatives.front().size();
    for (size_t column = 0; column < columns; ++column) {
        for (size_t u = 0; u < users.size(); ++u) {
            const std::string where = str_cat(rating_file.string(), ":", u + 1);
            size_t used = 0;
            int64_t row = -1;
            try {
                row = std::stoll(users[u], &used);
            } catch (const std::logic_error&) {
            }
            POT_CHECK_KIND(Input, used == users[u].size() && row >= 0 && static_cast<size_t>(row) < negatives.size(),
                           where, ": user '", users[u], "' has no line in ", negative_file.string(), " (",
                           negatives.size(), " lines read; line k holds user k's negative items)");
            const auto& items = negatives[static_cast<size_t>(row)];
            POT_CHECK_KIND(Input, items.size() == columns, negative_file.string(), ":", row + 1, ": ", items.size(),
                           " items, but line 1 has ", columns, "; every user has as many negative items");
            out.push_back({entry("u:", users[u], where),
                           entry("i:", items[column], str_cat(negative_file.string(), ":", row + 1))});
        }
    }
    return out;
}

}  // namespace pot::core
