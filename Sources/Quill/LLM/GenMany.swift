#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import QuillEngine
import QuillLanguage
import QuillLLM

/// `m.gen_many(prompts, concurrency: 8)`: one `gen` per prompt, `concurrency` of them in
/// flight at once (on the local core: decoded together), results in input order. A failed
/// prompt leaves an error value in its slot, or with `fail_fast: true` stops the rest and
/// raises. Draws a progress line on a terminal's stderr.
enum GenMany {
    private enum Event {
        case finished(Int, Result<LLMResponse, Error>)
        case hook(CallEvent)
        case allDone
    }

    static func run(_ model: ModelObject, _ args: Args) throws -> Value {
        let prompts = try args.list(0).items
        let concurrency = try args.int(1, default: 8)
        guard concurrency >= 1 else {
            throw QuillError.value("gen_many() argument 'concurrency' must be at least 1, got \(concurrency)")
        }
        let failFast = try args.bool(2, default: false)
        var options = try CallOptions(args, from: 3).merged(over: model.defaults)
        guard options.onToken == nil else {
            throw QuillError.argument("gen_many() does not stream: use batch(prompts, fn(p) => m.gen(p, on_token: ...))")
        }
        options.stream = false
        // A prompt that is not one fails in its own slot, like a failed generation.
        var requests: [LLMRequest?] = []
        var results = [Value](repeating: .nil, count: prompts.count)
        for (i, prompt) in prompts.enumerated() {
            do {
                let input = try ModelInput(prompt, function: "gen_many", argument: "prompts[\(i)]", raw: options.raw ?? false)
                requests.append(LLMRequest(input: input.input, parameters: options.parameters, constraint: options.constraint,
                                           templateHash: input.templateHash, useCache: options.cache ?? false))
            } catch {
                if failFast { throw error }
                requests.append(nil)
                results[i] = .error(errorObject(error))
            }
        }
        let client = model.client, all = requests
        let runnable = all.indices.filter { all[$0] != nil }
        let events = BlockingQueue<Event>()
        let context = model.hooks.context(for: args.vm) { events.push(.hook($0)) }
        let stop = Locked(false)
        let work = Task.detached {
            await withTaskGroup(of: Void.self) { group in
                var next = 0
                func start() {
                    let i = runnable[next]
                    next += 1
                    group.addTask {
                        if stop.value { events.push(.finished(i, .failure(CancellationError()))); return }
                        do { events.push(.finished(i, .success(try await client.complete(all[i]!, context: context)))) } catch { events.push(.finished(i, .failure(error))) }
                    }
                }
                while next < runnable.count, next < concurrency { start() }
                for await _ in group where next < runnable.count { start() }
            }
            events.push(.allDone)
        }
        var firstFailure: Error?
        let progress = ProgressLine(total: all.count, enabled: all.count > 1 && isatty(2) == 1)
        var done = all.count - runnable.count
        while true {
            switch args.vm.waiting({ events.pop() }) {
            case .hook(let event):
                model.hooks.deliver(event, vm: args.vm)
                continue
            case .finished(let i, .success(let response)):
                let result = ScriptResponse(response: response, constraint: all[i]!.constraint)
                if let value = result.value, case .jsonSchema? = result.constraint {
                    results[i] = JSONBridge.value(value)
                } else {
                    results[i] = .str(response.text)
                }
                done += 1
            case .finished(let i, .failure(let error)):
                if firstFailure == nil, !(error is CancellationError) {
                    firstFailure = error
                    if failFast { stop.value = true }
                }
                results[i] = .error(errorObject(ModelCall.scriptError(error)))
                done += 1
            case .allDone:
                progress.finish(done: done)
                _ = work
                if failFast, let firstFailure { throw ModelCall.scriptError(firstFailure) }
                return .list(ListObject(results))
            }
            progress.update(done: done)
        }
    }

    private static func errorObject(_ error: Error) -> ErrorObject {
        if let e = error as? QuillError { return ErrorObject(kind: e.kind, message: e.message, hint: e.hint) }
        if let e = error as? RuntimeError { return e.error }
        return ErrorObject(kind: "ModelError", message: "\(error)")
    }
}

/// A progress line on stderr (only on a terminal), redrawn at most ten times a second.
final class ProgressLine {
    let total: Int
    let enabled: Bool
    private let started = MonotonicClock.now()
    private var drawn = 0.0

    init(total: Int, enabled: Bool) {
        self.total = total
        self.enabled = enabled
    }

    func update(done: Int) {
        guard enabled else { return }
        let now = MonotonicClock.now()
        guard now - drawn >= 0.1 else { return }
        drawn = now
        draw(done: done, end: "")
    }

    func finish(done: Int) {
        guard enabled else { return }
        draw(done: done, end: "\n")
    }

    private func draw(done: Int, end: String) {
        let line = BatchProgress(total: total, done: done, elapsed: MonotonicClock.now() - started).line()
        fputs("\r\u{1B}[2K" + line + end, stderr)
    }
}
