import Foundation

/// What a running generation reports, in order: pieces of text as they complete, then one
/// `finished` (or `failed`).
public enum GenerationEvent: Sendable {
    case piece(GeneratedPiece)
    case finished(GenerationResult)
    case failed(ModelError)
}

/// Serves generation requests from any number of threads on one model. Every forward pass
/// carries the next token of each sequence being decoded, plus a chunk of a newly admitted
/// prompt: the weights are read once per pass for all of them, so concurrent requests are
/// decoded together instead of queueing behind each other (continuous batching).
///
/// One thread runs the passes; it starts with the first request and ends when no work is
/// left. Events are delivered on that thread, so handlers must be quick and must not wait
/// for later events of the same request.
public final class GenerationScheduler: @unchecked Sendable {
    public let model: LocalModel
    /// Sequences decoded together at most; more requests wait for a free slot.
    public let maxSequences: Int
    /// Prompt tokens read per pass, so a long new prompt delays the others' next token little.
    public let prefillChunk: Int

    private let condition = NSCondition()
    private var queue: [Job] = []
    private var running = false
    private var trie: TokenTrie?
    /// The caches of recently finished requests, so a new prompt can reuse their start.
    private var prefixes: PrefixCache
    /// Shortest shared prompt start worth copying instead of evaluating.
    static let minimumSharedPrefix = 4

    /// `keptPrefixes` finished requests' KV caches, `keptPrefixBytes` bytes of them at most, are
    /// kept for prefix reuse.
    public init(model: LocalModel, maxSequences: Int = 16, prefillChunk: Int = 128,
                keptPrefixes: Int = 8, keptPrefixBytes: Int = 256 << 20) {
        self.model = model
        self.maxSequences = max(1, maxSequences)
        self.prefillChunk = max(1, min(prefillChunk, model.transformer.maxBatch))
        prefixes = PrefixCache(capacity: keptPrefixes, byteBudget: keptPrefixBytes)
    }

    /// A submitted request; `cancel()` ends it at the next step with `FinishReason.cancelled`.
    public final class Ticket: @unchecked Sendable {
        fileprivate let lock = NSLock()
        fileprivate var isCancelled = false
        public func cancel() { lock.withLock { isCancelled = true } }
        fileprivate var cancelled: Bool { lock.withLock { isCancelled } }
    }

    fileprivate final class Job {
        let prompt: [Int]
        let options: GenerationOptions
        let onEvent: @Sendable (GenerationEvent) -> Void
        let ticket = Ticket()
        let submitted = MonotonicClock.now()
        var state: InferenceState?
        var decoder: SequenceDecoder?
        var read = 0
        /// Prompt tokens whose keys and values were copied from another sequence.
        var reused = 0
        var promptDone = 0.0

        init(prompt: [Int], options: GenerationOptions, onEvent: @escaping @Sendable (GenerationEvent) -> Void) {
            self.prompt = prompt
            self.options = options
            self.onEvent = onEvent
        }
    }

    /// Queues a request; problems with the request itself are thrown here, before any work.
    @discardableResult
    public func submit(tokens prompt: [Int], options: GenerationOptions,
                       onEvent: @escaping @Sendable (GenerationEvent) -> Void) throws -> Ticket {
        let config = model.transformer.config
        guard !prompt.isEmpty else { throw ModelError("the prompt is empty: nothing to continue") }
        if let bad = prompt.first(where: { $0 < 0 || $0 >= config.vocabularySize }) {
            throw ModelError("token id \(bad) is out of range (vocabulary size \(config.vocabularySize))")
        }
        let context = contextLength(prompt: prompt.count, options: options)
        guard prompt.count < context else {
            throw ModelError("the prompt has \(prompt.count) tokens; the context holds \(context): shorten the prompt")
        }
        let job = Job(prompt: prompt, options: options, onEvent: onEvent)
        condition.lock()
        queue.append(job)
        if !running {
            running = true
            let thread = Thread { [self] in serve() }
            thread.stackSize = 8 << 20
            thread.name = "quill-generation"
            thread.start()
        }
        condition.unlock()
        return job.ticket
    }

    private func contextLength(prompt: Int, options: GenerationOptions) -> Int {
        min(model.transformer.config.contextLength, options.contextLength ?? prompt + max(1, options.maxTokens))
    }

    /// The pass loop: admit, evaluate, step, retire — until nothing is left.
    private func serve() {
        var active: [Job] = []
        while true {
            condition.lock()
            while active.count < maxSequences, !queue.isEmpty { active.append(queue.removeFirst()) }
            if active.isEmpty {
                running = false
                condition.unlock()
                return
            }
            condition.unlock()
            for job in active {
                if job.decoder == nil { start(job, active: active) }
                if job.ticket.cancelled { job.decoder!.end(.cancelled) }
                if job.decoder!.finish != nil { retire(job) }
            }
            active.removeAll { $0.state == nil }
            guard !active.isEmpty else { continue }

            // Decoding sequences first (one token each), then prompt chunks in the room left.
            var segments: [(tokens: [Int], state: InferenceState)] = []
            var stepping: [Job] = []
            var budget = model.transformer.maxBatch
            for job in active where job.read == job.prompt.count {
                segments.append(([job.decoder!.history.last!], job.state!))
                stepping.append(job)
                budget -= 1
            }
            for job in active where job.read < job.prompt.count && budget > 0 {
                let end = min(job.prompt.count, job.read + min(prefillChunk, budget))
                segments.append((Array(job.prompt[job.read..<end]), job.state!))
                budget -= end - job.read
                job.read = end
                if end == job.prompt.count { stepping.append(job) }
            }
            do {
                try model.transformer.evaluate(segments: segments)
            } catch {
                let failure = error as? ModelError ?? ModelError("\(error)")
                for job in active { job.onEvent(.failed(failure)) }
                active.removeAll()
                continue
            }
            let now = MonotonicClock.now()
            for job in stepping {
                if job.promptDone == 0 {
                    job.promptDone = now
                    checkpoint(job)
                }
                step(job)
            }
        }
    }

    /// Gives an admitted job its cache and decoder (and its grammar, if any).
    private func start(_ job: Job, active: [Job]) {
        let state = model.transformer.makeState(contextLength: contextLength(prompt: job.prompt.count, options: job.options))
        var constraint: TokenConstraint?
        if let grammar = job.options.grammar {
            if trie == nil { trie = TokenTrie(tokenizer: model.tokenizer) }
            constraint = TokenConstraint(grammar: grammar, trie: trie!)
        }
        reusePrefix(for: job, state: state, active: active)
        job.state = state
        job.decoder = SequenceDecoder(prompt: job.prompt, options: job.options, tokenizer: model.tokenizer,
                                      vocabularySize: model.transformer.config.vocabularySize, constraint: constraint)
    }

    /// Starts a new sequence's cache from the longest prompt start it shares with a sequence
    /// in flight or a recently finished one (a shared system prompt, few-shot examples, a
    /// chat template's preamble, an earlier turn of the conversation). At least the last
    /// prompt token is always evaluated, since its logits are needed.
    private func reusePrefix(for job: Job, state: InferenceState, active: [Job]) {
        let limit = min(job.prompt.count - 1, state.contextLength)
        var best = 0
        var donor: InferenceState?
        for other in active where other !== job {
            guard let cache = other.state else { continue }
            let n = PrefixCache.sharedCount(other.prompt, job.prompt, limit: min(limit, other.read, cache.position))
            if n > best, cache.canLend(prefix: n) { best = n; donor = cache }
        }
        if let kept = prefixes.longestMatch(for: job.prompt, limit: limit), kept.count > best {
            (donor, best) = (kept.state, kept.count)
        }
        guard best >= Self.minimumSharedPrefix, let donor else { return }
        state.copyPrefix(from: donor, count: best)
        job.read = best
        job.reused = best
    }

    /// Keeps a copy of a prompt's cache as soon as it is read, when the sequence may run far
    /// enough past it to wrap a sliding-window ring over the prompt's windows: its finished
    /// cache could then no longer lend the prompt, or a start shared with it, to the next
    /// request (an evaluation template before each item, a system prompt before long answers).
    private func checkpoint(_ job: Job) {
        guard let state = job.state, job.prompt.count > Self.minimumSharedPrefix, job.reused < job.prompt.count - 1,
              !state.keepsLending(prefix: job.prompt.count) else { return }
        let copy = model.transformer.makeState(contextLength: job.prompt.count)
        copy.copyPrefix(from: state, count: job.prompt.count, everything: true)
        prefixes.insert(tokens: job.prompt, state: copy)
    }

    /// Samples a job's next token from its fresh logits and reports the text it completed.
    private func step(_ job: Job) {
        guard let state = job.state else { return }
        do {
            if let piece = try job.decoder!.step(state.lastLogits) { job.onEvent(.piece(piece)) }
        } catch {
            job.decoder!.end(.endOfSequence)
            job.onEvent(.failed(error as? ModelError ?? ModelError("\(error)")))
            job.state = nil
            return
        }
        if job.decoder!.finish == nil, state.position >= state.contextLength { job.decoder!.end(.contextFull) }
    }

    /// Reports a finished job's result and frees its cache.
    private func retire(_ job: Job) {
        guard let state = job.state, var decoder = job.decoder else { return }
        let rest = decoder.flush()
        if !rest.isEmpty { job.onEvent(.piece(GeneratedPiece(text: rest, token: nil, tokenCount: decoder.generated.count))) }
        let end = MonotonicClock.now()
        let promptDone = job.promptDone == 0 ? end : job.promptDone
        job.onEvent(.finished(GenerationResult(
            text: decoder.text, tokens: decoder.generated, promptTokens: job.prompt.count,
            finishReason: decoder.finish ?? .length, promptSeconds: promptDone - job.submitted,
            generationSeconds: end - promptDone, cacheBytes: state.cacheBytes, cachedPromptTokens: job.reused)))
        // The cache holds the prompt and every generated token but the last: a follow-up that
        // repeats this exchange (the next chat turn) reuses all of it.
        prefixes.insert(tokens: Array(decoder.history.prefix(state.position)), state: state)
        job.state = nil
    }
}
