// parse(): CLI11 does the tokenising; this file turns its exceptions into the tools' wording.
#include "command_line.h"

#include <cerrno>
#include <cstdlib>
#include <memory>

namespace lucid::cli {

namespace {

// CLI11's formatter with the tool's synopsis in place of the generated "Usage:" line.
class SynopsisFormatter : public CLI::Formatter {
 public:
  explicit SynopsisFormatter(std::string synopsis) : synopsis_(std::move(synopsis)) {}
  std::string make_description(const CLI::App*) const override { return ""; }
  std::string make_usage(const CLI::App* app, std::string) const override {
    std::string text = synopsis_;
    if (!app->get_description().empty()) text += "\n" + app->get_description() + "\n";
    return text;
  }
  const std::string& synopsis() const { return synopsis_; }

 private:
  std::string synopsis_;
};

// The option named by a CLI11 message "NAME: ...".
std::string leading_name(const std::string& message) { return message.substr(0, message.find(':')); }

// "--x=" would make CLI11 take the next argument as the value; say instead that it is empty.
void reject_empty_inline_values(const CLI::App& app, int argc, const char* const* argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") return;
    if (arg.size() < 4 || arg.rfind("--", 0) != 0 || arg.back() != '=') continue;
    const std::string name = arg.substr(0, arg.size() - 1);
    if (app.get_option_no_throw(name) != nullptr) throw UsageError(name + " needs a non-empty value");
  }
}

UsageError translate(const CLI::App& app, const CLI::ParseError& e) {
  const std::string message = e.what();
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&e)) {
    // Too many values for a single-value option, or none at the end of the line.
    for (const CLI::Option* option : app.get_options())
      if (option->get_items_expected_max() == 1 && option->count() > 1 &&
          option->get_multi_option_policy() == CLI::MultiOptionPolicy::Throw)
        return UsageError(option->get_name() + " given twice");
    return UsageError(leading_name(message) + " needs a value");
  }
  if (dynamic_cast<const CLI::ValidationError*>(&e)) {
    // Our validators' messages continue the option's name: "NAME: wants ..." -> "NAME wants ...".
    const std::size_t colon = message.find(": ");
    if (colon != std::string::npos) return UsageError(message.substr(0, colon) + " " + message.substr(colon + 2));
  }
  if (dynamic_cast<const CLI::ConversionError*>(&e)) {
    // CLI11 says "Could not convert: NAME = VALUE" when a value is not of the option's type.
    const std::string prefix = "Could not convert: ";
    const std::size_t equals = message.find(" = ");
    if (message.rfind(prefix, 0) == 0 && equals != std::string::npos)
      return UsageError(message.substr(prefix.size(), equals - prefix.size()) + " cannot take '" +
                        message.substr(equals + 3) + "'");
  }
  return UsageError(message);
}

}  // namespace

void use_synopsis(CLI::App& app, const std::string& synopsis, const std::string& description) {
  app.description(description);
  const bool ends_line = !synopsis.empty() && synopsis.back() == '\n';
  app.formatter(std::make_shared<SynopsisFormatter>(ends_line ? synopsis : synopsis + "\n"));
}

bool parse(CLI::App& app, int argc, const char* const* argv, Unrecognised unrecognised,
           std::vector<std::string>* kept) {
  // Unknown arguments are collected rather than thrown, so they can be named in our wording
  // or handed on.
  app.allow_extras(true);
  reject_empty_inline_values(app, argc, argv);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return false;
  } catch (const CLI::CallForAllHelp&) {
    return false;
  } catch (const CLI::ParseError& e) {
    throw translate(app, e);
  }
  const std::vector<std::string> extras = app.remaining();
  if (unrecognised == Unrecognised::keep) {
    if (kept) {
      kept->assign(1, argc > 0 ? argv[0] : "");
      kept->insert(kept->end(), extras.begin(), extras.end());
    }
    return true;
  }
  if (!extras.empty()) {
    const std::string& first = extras.front();
    if (first.size() > 1 && first[0] == '-')
      throw UsageError("unknown option '" + first.substr(0, first.find('=')) + "'");
    throw UsageError("unexpected argument '" + first + "'");
  }
  return true;
}

std::vector<char*> as_argv(std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);  // argv[argc] is null, as for main()
  return argv;
}

std::string usage_hint(const CLI::App& app) {
  auto formatter = std::dynamic_pointer_cast<SynopsisFormatter>(app.get_formatter());
  std::string hint = formatter ? formatter->synopsis() : app.get_name();
  return hint + "Run '" + app.get_name() + " --help' for every option.\n";
}

CLI::Validator integer_at_least(std::int64_t low) {
  return CLI::Validator(
      [low](std::string& text) -> std::string {
        errno = 0;
        char* end = nullptr;
        const long long value = std::strtoll(text.c_str(), &end, 10);
        if (text.empty() || *end != '\0' || errno == ERANGE || value < low)
          return "wants an integer >= " + std::to_string(low) + ", got '" + text + "'";
        return "";
      },
      "");
}

CLI::Validator positive_number() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        char* end = nullptr;
        const double value = std::strtod(text.c_str(), &end);
        if (end == text.c_str() || *end != '\0' || !(value > 0))
          return "wants a positive number, not '" + text + "'";
        return "";
      },
      "");
}

CLI::Validator non_empty() {
  return CLI::Validator(
      [](std::string& text) -> std::string { return text.empty() ? "needs a non-empty value" : ""; }, "");
}

}  // namespace lucid::cli
