import Foundation
import Quill
import QuillEngine
import Synchronization

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// Set by the SIGINT handler, which may touch nothing else; read by the loops below.
private let interruptRequested = Atomic<Bool>(false)
/// The thread that reads lines. A process-directed SIGINT may land on any thread (the
/// runtime's workers among them), and only on this one does it break libedit's read.
nonisolated(unsafe) private var readerThread = pthread_self()

/// The `quill` REPL: on a terminal, line editing with history, completion, multi-line input
/// and Ctrl-C that cancels the line or the running code; on piped input, the same evaluation
/// line by line without editing or history.
public enum REPL {
    public struct Options: Sendable {
        public var color: Bool
        /// The history file; nil keeps no history.
        public var historyPath: String?
        /// The first line printed (the version).
        public var banner: String
        public init(color: Bool, historyPath: String?, banner: String = "quill") {
            self.color = color
            self.historyPath = historyPath
            self.banner = banner
        }
        /// `QUILL_HOME/history`.
        public static var defaultHistoryPath: String { ModelStore().home + "/history" }
    }

    static let prompt = "quill> "
    static let continuation = "...    "

    /// The interactive loop; returns the exit status (0 for Ctrl-D or `:quit`).
    public static func runInteractive(_ options: Options) -> Int32 {
        setUpLocale()
        let session = REPLSession(options: .init(color: options.color))
        // Before the editor: libedit saves the process's handler when it starts and hands
        // SIGINT on to it after restoring the terminal.
        installInterruptHandler()
        guard let editor = LineEditor(program: "quill", historyPath: options.historyPath) else {
            session.writeError("quill: cannot start line editing; reading plain lines\n")
            return runPiped(session)
        }
        editor.complete = { line, cursor in
            let c = Completer(Completer.Environment(session: session)).complete(line, cursor: cursor)
            return (c.start, c.candidates)
        }
        session.write("\(options.banner) — :help for help, Ctrl-D to leave\n")
        var pending = ""
        while true {
            interruptRequested.store(false, ordering: .relaxed)
            guard let line = editor.readLine(prompt: pending.isEmpty ? prompt : continuation) else {
                if interruptRequested.exchange(false, ordering: .relaxed) {
                    // Ctrl-C on an input line: drop it (and any lines it continued).
                    session.write("^C\n")
                    pending = ""
                    continue
                }
                session.write("\n")
                editor.saveHistory()
                return 0
            }
            if pending.isEmpty, let mode = editorMode(line) {
                editor.setEditor(mode)
                continue
            }
            pending += pending.isEmpty ? line : "\n" + line
            let blank = line.trimmingCharacters(in: .whitespaces).isEmpty
            if !pending.hasPrefix(":"), InputCompleteness.needsMore(pending), !(blank && pending.contains("\n")) { continue }
            let input = pending
            pending = ""
            editor.remember(input)
            if case .exit(let status) = evaluateCancellably(input, in: session) {
                editor.saveHistory()
                return status
            }
        }
    }

    /// Evaluation for piped standard input: lines gathered into complete inputs as on a
    /// terminal (but a blank line does not end an open block), no prompt, no editing, no history. Exits with the status of `exit(n)`, else 1
    /// when an input failed, else 0.
    public static func runPiped(color: Bool = false) -> Int32 {
        runPiped(REPLSession(options: .init(color: color)))
    }

    static func runPiped(_ session: REPLSession) -> Int32 {
        var pending = "", failed = false
        func flush() -> Int32? {
            defer { pending = "" }
            switch session.evaluate(pending) {
            case .exit(let status): return status
            case .failed: failed = true
            case .ok: break
            }
            return nil
        }
        while let line = Swift.readLine() {
            pending += pending.isEmpty ? line : "\n" + line
            // Unlike a person at the prompt, a file may have blank lines inside a block: only
            // the end of the input ends an open one.
            if !pending.hasPrefix(":"), InputCompleteness.needsMore(pending) { continue }
            if let status = flush() { return status }
        }
        if !pending.isEmpty, let status = flush() { return status }
        return failed ? 1 : 0
    }

    /// Runs one input while a watcher thread turns Ctrl-C into an interrupt of the runtime:
    /// the script stops at its next step, a model call is cancelled, and the session goes on.
    static func evaluateCancellably(_ input: String, in session: REPLSession) -> REPLSession.Outcome {
        let interruption = session.runtime.vm.interruption
        let running = Atomic<Bool>(true)
        let watcher = Thread {
            var interrupting = false
            while running.load(ordering: .acquiring) {
                if interruptRequested.exchange(false, ordering: .relaxed) { interrupting = true }
                // Repeated until the work ends: one request can race with the running thread.
                if interrupting { interruption.interrupt() }
                usleep(20_000)
            }
        }
        watcher.start()
        defer { running.store(false, ordering: .releasing) }
        return session.evaluate(input)
    }

    /// `:set vi` / `:set emacs`: key bindings, handled by the editor rather than the session.
    private static func editorMode(_ line: String) -> String? {
        let words = line.split(separator: " ")
        guard words.count == 2, words[0] == ":set", ["vi", "emacs"].contains(words[1]) else { return nil }
        return String(words[1])
    }

    /// libedit drops every non-ASCII byte under the C locale.
    private static func setUpLocale() {
        setlocale(LC_CTYPE, "")
        if let current = setlocale(LC_CTYPE, nil), ["C", "POSIX"].contains(String(cString: current)) {
            setlocale(LC_CTYPE, "C.UTF-8")
        }
    }

    private static func installInterruptHandler() {
        var action = sigaction()
        readerThread = pthread_self()
        action.__sigaction_handler.sa_handler = { signal in
            interruptRequested.store(true, ordering: .relaxed)
            // Hand it on to the reading thread (pthread_kill is async-signal-safe).
            if pthread_equal(pthread_self(), readerThread) == 0 { pthread_kill(readerThread, signal) }
        }
        sigemptyset(&action.sa_mask)
        // No SA_RESTART: the read inside el_gets must fail with EINTR so the line is abandoned.
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
    }
}
