import Foundation
import Quill

/// One REPL session: a runtime and the module its inputs define bindings in, independent of
/// the terminal. It evaluates complete inputs (printing an expression's value and binding it
/// to `_`), runs `:commands`, remembers the inputs that worked (for `:save`) and the last model
/// call (for `:trace`). The line editor and the piped-input loop both drive it.
public final class REPLSession {
    public struct Options: Sendable {
        /// Colour in values and errors.
        public var color = false
        /// Longest value printed before it is cut (characters).
        public var valueLimit = 2_000
        public init(color: Bool = false) { self.color = color }
    }

    public private(set) var runtime: QuillRuntime
    public private(set) var module: Module
    public let options: Options
    /// Where the session writes: values, command output (stdout) and errors (stderr).
    let write: (String) -> Void
    let writeError: (String) -> Void
    /// The inputs that ran without error, in order (`:save`).
    private(set) var inputs: [String] = []
    /// The latest finished model call (`:trace`, `:schema`).
    let lastCall = Locked<CallEvent?>(nil)
    private var subscription: EventBus.Subscription?
    /// The end of what the script printed during the current input.
    private let printedTail = Locked("")
    private var counter = 0
    /// The spec `:model` set, used by `:tokens`; `m` is bound to the model.
    var modelSpec = "local"

    public init(options: Options = Options(), write: @escaping (String) -> Void = { FileHandle.standardOutput.write(Data($0.utf8)) },
                writeError: @escaping (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.options = options
        self.write = write
        self.writeError = writeError
        (runtime, module) = Self.makeRuntime()
        attach()
    }

    private static func makeRuntime() -> (QuillRuntime, Module) {
        let runtime = QuillRuntime()
        runtime.streamsModelOutput = true
        let module = Module(name: "<repl>", file: nil)
        module.define("_", .nil, mutable: true)
        return (runtime, module)
    }

    private func attach() {
        let tail = printedTail
        runtime.output = { [write] text in
            tail.withLock { t in
                t += text
                if t.count > 8192 { t = String(t.suffix(4096)) }
            }
            write(text)
        }
        let last = lastCall
        subscription = runtime.monitor.bus.subscribe([.response, .error]) { event in last.withLock { $0 = event } }
    }

    /// Starts over: a fresh runtime and no bindings (`:reset`).
    func reset() {
        if let subscription { runtime.monitor.bus.unsubscribe(subscription) }
        (runtime, module) = Self.makeRuntime()
        attach()
        inputs = []
        modelSpec = "local"
    }

    public enum Outcome: Equatable {
        case ok
        /// The input had a compile or runtime error (reported); the session goes on.
        case failed
        /// `exit(n)` or `:quit`.
        case exit(Int32)
    }

    /// Runs one complete input: a `:command` or Quill code.
    @discardableResult
    public func evaluate(_ input: String) -> Outcome {
        let trimmed = input.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return .ok }
        if trimmed.hasPrefix(":") { return REPLCommands.run(trimmed, in: self) }
        return run(code: input, record: true)
    }

    /// Compiles and runs code in the session's module; prints the value of a final expression.
    func run(code: String, record: Bool, printValue: Bool = true) -> Outcome {
        let callBefore = lastCall.value?.id
        printedTail.value = ""
        switch execute(code) {
        case .success(let value):
            if record { inputs.append(code) }
            if printValue, !value.isNil {
                module.define("_", value, mutable: true)
                if !justStreamed(value, callBefore: callBefore) {
                    write(ValueFormatter.format(value, color: options.color, limit: options.valueLimit) + "\n")
                }
            }
            return .ok
        case .failure(let error):
            return report(error)
        }
    }

    /// Evaluates an expression for a command (`:schema EXPR`); nil after reporting an error.
    func value(of expression: String) -> Value? {
        switch execute(expression) {
        case .success(let value): return value
        case .failure(let error):
            _ = report(error)
            return nil
        }
    }

    /// Compiles `code` into the session's module and runs it. Whatever happened, a handled
    /// interrupt must not stop the next input: the flag is cleared and the steps restored.
    private func execute(_ code: String) -> Result<Value, Error> {
        counter += 1
        let file = SourceFile(name: "<repl:\(counter)>", text: code)
        let vm = runtime.vm
        defer {
            vm.interruption.clear()
            vm.resetStepCount()
        }
        return Result { try vm.run(try vm.compile(file, into: module, interactive: true)) }
    }

    /// Reports a failed input: errors as `quill run` renders them, Ctrl-C briefly.
    private func report(_ error: Error) -> Outcome {
        switch error {
        case let e as CompileError:
            writeError(DiagnosticRenderer.render(e, color: options.color))
        case let e as RuntimeError where e.kind == Interruption.error.kind:
            // The terminal has echoed ^C; where the script stopped is no news.
            writeError("\nInterrupted\n")
        case let e as RuntimeError:
            writeError(DiagnosticRenderer.render(e, color: options.color))
        case let e as ExitRequest:
            return .exit(e.status)
        default:
            writeError("\(error)\n")
        }
        return .failed
    }

    /// Whether the value is text a model call of this input just streamed to the terminal
    /// (`m.gen(...)` at the prompt): printing it again would only repeat it.
    private func justStreamed(_ value: Value, callBefore: String?) -> Bool {
        guard case .string(let s) = value, !s.value.isEmpty, let call = lastCall.value, call.id != callBefore,
              call.text == s.value else { return false }
        let tail = printedTail.value
        return tail.hasSuffix(s.value) || tail.hasSuffix(s.value + "\n")
    }
}
