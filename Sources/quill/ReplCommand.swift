import ArgumentParser
import Quill
import QuillREPL

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// `quill repl`: the REPL, as `quill` with no arguments starts it. On a terminal it edits lines
/// (history in $QUILL_HOME/history); with piped input it evaluates line by line, printing each
/// expression's value, with no editing and no history written.
struct Repl: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start the interactive REPL (the default with no arguments).")

    @Flag(name: .customLong("no-color"), help: "No colour in values and errors (also: NO_COLOR).")
    var noColor = false

    func run() throws {
        throw ExitCode(Self.start(color: !noColor))
    }

    static func start(color wanted: Bool) -> Int32 {
        let terminal = isatty(0) != 0 && isatty(1) != 0
        let color = wanted && terminal && getenv("NO_COLOR") == nil
        return withLargeStack {
            terminal ? REPL.runInteractive(.init(color: color, historyPath: REPL.Options.defaultHistoryPath, banner: QuillVersion.string))
                : REPL.runPiped(color: false)
        }
    }
}
