#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import QuillEngine
import QuillLanguage
import QuillLLM

/// Runs one request for a script: on a Swift task, while the calling Quill thread waits
/// without the interpreter lock (so other `batch` tasks run and their requests batch with
/// this one), taking the lock back to print streamed text or call `on_token`.
enum ModelCall {
    private enum Event {
        case delta(String)
        /// A monitoring event for the script's `on(...)` handlers.
        case hook(CallEvent)
        case done(Result<LLMResponse, Error>)
    }

    static func run(_ request: LLMRequest, client: LLMClient, vm: VM, options: CallOptions, hooks: ScriptHooks) throws -> LLMResponse {
        if vm.interruption.isRaised { throw vm.interruption.error }
        let events = BlockingQueue<Event>()
        let wantsDeltas = options.onToken != nil || options.stream == true
        let context = hooks.context(for: vm) { events.push(.hook($0)) }
        let task = Task.detached {
            do {
                let response = try await client.complete(request, context: context,
                                                         onDelta: wantsDeltas ? { events.push(.delta($0)) } : nil)
                events.push(.done(.success(response)))
            } catch {
                events.push(.done(.failure(error)))
            }
        }
        // An interrupt (Ctrl-C in the REPL, a host cancelling) cancels the request and wakes
        // this thread, which is blocked on the queue rather than running Quill code.
        let interruption = vm.interruption
        let interrupt = interruption.onInterrupt {
            events.push(.done(.failure(interruption.error)))
            task.cancel()
        }
        defer { vm.interruption.removeHandler(interrupt) }
        var streamed = ""
        while true {
            switch vm.waiting({ events.pop() }) {
            case .hook(let event):
                hooks.deliver(event, vm: vm)
                // A handler stopped by an interrupt (a timeout, the host cancelling) stops the call.
                if vm.interruption.isRaised {
                    task.cancel()
                    throw vm.interruption.error
                }
            case .delta(let text):
                streamed += text
                if options.stream == true {
                    vm.output(text)
                    fflush(stdout)  // show each piece now, not at the end of the line
                }
                if let callback = options.onToken {
                    let keepGoing: Value
                    do {
                        keepGoing = try vm.call(callback, .str(text))
                    } catch {
                        task.cancel()
                        throw error
                    }
                    if case .bool(false) = keepGoing {
                        task.cancel()
                        return stopped(request, client: client, text: streamed)
                    }
                }
            case .done(.success(let response)):
                if options.stream == true, !response.text.isEmpty, !response.text.hasSuffix("\n") { vm.output("\n") }
                return response
            case .done(.failure(let error)):
                // A request cancelled by an interrupt fails in its own words; the script was interrupted.
                if vm.interruption.isRaised { throw vm.interruption.error }
                throw scriptError(error)
            }
        }
    }

    /// The response when `on_token` returned false: the text so far.
    private static func stopped(_ request: LLMRequest, client: LLMClient, text: String) -> LLMResponse {
        let model = client.model
        let input = (try? model.countTokens(request.input)) ?? 0
        let output = (try? model.tokenize(text).count) ?? 0
        return LLMResponse(model: model.name, text: text, finishReason: "cancelled",
                           usage: LLMUsage(inputTokens: input, outputTokens: output), latency: 0,
                           timeToFirstToken: nil, templateHash: request.templateHash)
    }

    /// LLM-layer errors as Quill errors a script can catch (`e.kind == "ModelError"`).
    static func scriptError(_ error: Error) -> Error {
        switch error {
        case let e as LLMError:
            switch e {
            case .invalidParameter, .invalidConstraint, .invalidSpec:
                return QuillError("ValueError", e.description)
            case .invalidOutput:
                return QuillError("OutputError", e.description)
            default:
                return QuillError("ModelError", e.description)
            }
        case let e as BudgetExceeded:
            return QuillError("BudgetExceeded", e.description)
        case let e as ModelError:
            return QuillError("ModelError", e.message)
        default:
            return error
        }
    }
}
