import CShims
import Support

/// One subcommand: its name, a line of help, and what it does with the
/// words after its name. `run` returns the exit status.
struct Subcommand {
  let name: String
  let summary: String
  let run: (ArraySlice<String>) -> Int32
}

// Each command lives in its own file as `enum XCommand { static func
// run(_:) -> Int32 }`; add one line here for each.
let subcommands: [Subcommand] = [
  Subcommand(name: "infer", summary: InferCommand.summary, run: InferCommand.run),
  Subcommand(name: "inspect", summary: InspectCommand.summary,
             run: InspectCommand.run),
  Subcommand(name: "bench", summary: BenchCommand.summary, run: BenchCommand.run),
  Subcommand(name: "classify", summary: ClassifyCommand.summary,
             run: ClassifyCommand.run),
  Subcommand(name: "run", summary: RunCommand.summary, run: RunCommand.run),
  Subcommand(name: "train", summary: TrainCommand.summary, run: TrainCommand.run),
  Subcommand(name: "eval", summary: EvalCommand.summary, run: EvalCommand.run),
  Subcommand(name: "check-board", summary: CheckBoardCommand.summary,
             run: CheckBoardCommand.run),
  Subcommand(name: "session", summary: SessionCommand.summary, run: SessionCommand.run),
  Subcommand(name: "replay", summary: ReplayCommand.summary, run: ReplayCommand.run),
  Subcommand(name: "console", summary: ConsoleCommand.summary, run: ConsoleCommand.run),
]

func printUsage() {
  var text = "usage: teachpad <command> [options]\n\ncommands:\n"
  for command in subcommands {
    text += "  " + command.name
    text += String(repeating: " ", count: max(1, 14 - command.name.count))
    text += command.summary + "\n"
  }
  text += "\nThe model is --model, else $TEACHPAD_MODEL, else "
  text += ModelLocation.defaultPath + ".\n"
  writeStandardError(text)
}

/// Writes text to standard error (messages for people, not data).
func writeStandardError(_ text: String) {
  var copy = text
  copy.withUTF8 { _ = shim_write_all(2, $0.baseAddress, $0.count) }
}

/// Writes text to standard output (the command's result).
func writeStandardOutput(_ text: String) {
  var copy = text
  copy.withUTF8 { _ = shim_write_all(1, $0.baseAddress, $0.count) }
}

var words = CommandLine.arguments.dropFirst()
// `teachpad help NAME` is `teachpad NAME --help`.
if words.first == "help", words.count >= 2 {
  words = [words[words.startIndex + 1], "--help"]
}
guard let name = words.first, let command = subcommands.first(where: {
  $0.name == name
}) else {
  if let name = words.first, name != "help", name != "--help", name != "-h" {
    writeStandardError("teachpad: unknown command '\(name)'\n\n")
    printUsage()
    exit(2)
  }
  printUsage()
  exit(words.isEmpty ? 2 : 0)
}
exit(command.run(words.dropFirst()))
