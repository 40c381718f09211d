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
        counter += 1
        let file = SourceFile(name: "<repl:\(counter)>", text: code)
        let vm = runtime.vm
        defer {
            // A handled interrupt must not stop the next input.
            vm.interruption.clear()
            vm.resetStepCount()
        }
        let callBefore = lastCall.value?.id
        printedTail.value = ""
        do {
            let proto = try vm.compile(file, into: module, interactive: true)
            let value = try vm.run(proto)
            if record { inputs.append(code) }
            if printValue, !value.isNil {
                module.define("_", value, mutable: true)
                if !justStreamed(value, callBefore: callBefore) {
                    write(ValueFormatter.format(value, color: options.color, limit: options.valueLimit) + "\n")
                }
            }
            return .ok
        } catch let e as CompileError {
            writeError(DiagnosticRenderer.render(e, color: options.color))
        } catch let e as RuntimeError where e.kind == Interruption.error.kind {
            // Ctrl-C: the terminal has echoed ^C; where it stopped is no news.
            writeError("\nInterrupted\n")
        } catch let e as RuntimeError {
            writeError(DiagnosticRenderer.render(e, color: options.color))
        } catch let e as ExitRequest {
            return .exit(e.status)
        } catch {
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

    /// Evaluates an expression for a command (`:tokens`, `:time`); nil after reporting an error.
    func value(of expression: String) -> Value? {
        counter += 1
        let file = SourceFile(name: "<repl:\(counter)>", text: expression)
        defer {
            runtime.vm.interruption.clear()
            runtime.vm.resetStepCount()
        }
        do {
            return try runtime.vm.run(try runtime.vm.compile(file, into: module, interactive: true))
        } catch let e as CompileError {
            writeError(DiagnosticRenderer.render(e, color: options.color))
        } catch let e as RuntimeError {
            writeError(DiagnosticRenderer.render(e, color: options.color))
        } catch {
            writeError("\(error)\n")
        }
        return nil
    }
}
