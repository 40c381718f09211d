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
        /// What `model()` with no spec opens (and `:tokens` counts with) until `:model` changes
        /// it; `:reset` goes back to it.
        public var defaultModel = "local"
        public init(color: Bool = false, defaultModel: String = "local") {
            self.color = color
            self.defaultModel = defaultModel
        }
    }

    public private(set) var runtime: QuillRuntime
    public private(set) var module: Module
    /// Opens the runtime's models; its `defaultSpec` is the session's default model.
    private(set) var models: ModelFactory
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

    /// What `model()` with no spec opens in this session: `options.defaultModel` until
    /// `:model SPEC` sets another.
    public var defaultModel: String {
        get { models.defaultSpec }
        set { models.defaultSpec = newValue }
    }

    public init(options: Options = Options(), write: @escaping (String) -> Void = { FileHandle.standardOutput.write(Data($0.utf8)) },
                writeError: @escaping (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.options = options
        self.write = write
        self.writeError = writeError
        (runtime, module, models) = Self.makeRuntime(defaultModel: options.defaultModel)
        attach()
    }

    private static func makeRuntime(defaultModel: String) -> (QuillRuntime, Module, ModelFactory) {
        let configuration = QuillRuntime.Configuration()
        configuration.models.defaultSpec = defaultModel
        let runtime = QuillRuntime(configuration: configuration)
        runtime.streamsModelOutput = true
        let module = Module(name: "<repl>", file: nil)
        module.define("_", .nil, mutable: true)
        return (runtime, module, configuration.models)
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

    /// Starts over (`:reset`): a fresh runtime with no bindings, no calls in the ledger, and
    /// the default model the session started with.
    func reset() {
        if let subscription { runtime.monitor.bus.unsubscribe(subscription) }
        (runtime, module, models) = Self.makeRuntime(defaultModel: options.defaultModel)
        attach()
        inputs = []
        lastCall.value = nil
    }

    /// Records an input for `:save` that did not come through `run(code:record:)`.
    func record(_ input: String) { inputs.append(input) }

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
    /// `name` is the source's name in error messages (a file `:load` ran; else `<repl:N>`).
    func run(code: String, record: Bool, printValue: Bool = true, name: String? = nil) -> Outcome {
        let callBefore = lastCall.value?.id
        printedTail.value = ""
        switch execute(code, name: name) {
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
    private func execute(_ code: String, name: String? = nil) -> Result<Value, Error> {
        counter += 1
        let file = SourceFile(name: name ?? "<repl:\(counter)>", text: code)
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
