import Foundation
import QuillLanguage
import QuillLLM

extension Runtime {
    /// Everything a host decides about a runtime, set once when it is made (Wren's
    /// `WrenConfiguration`, Lua's `lua_newstate` allocator and hooks). The defaults suit
    /// untrusted scripts: no capabilities at all, output to standard output.
    public struct Configuration: Sendable {
        /// Where `print` writes (and model output streamed with `stream: true`).
        public var output: @Sendable (String) -> Void = { FileHandle.standardOutput.write(Data($0.utf8)) }
        /// Where problems that do not stop the script go: a failing `on(...)` hook, unknown
        /// prices, model download progress.
        public var diagnostics: @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }
        /// What scripts may touch outside the VM. Nothing by default; `.all` is what the
        /// `quill` command grants its user's own scripts.
        public var capabilities: Capabilities = .none
        /// With `.readFiles`: the directories scripts may read under (nil: anywhere).
        public var readableDirectories: [String]? = nil
        /// With `.writeFiles`: the directories scripts may write under (nil: anywhere); they are
        /// readable too.
        public var writableDirectories: [String]? = nil
        /// Resource limits; none by default except the call depth.
        public var limits = Limits()
        /// The list scripts see as `args`.
        public var arguments: [String] = []
        /// Directories searched by `import "name"` (needs `.readFiles`); unlike the `quill`
        /// command, an embedded runtime does not read `QUILL_PATH`.
        public var modulePaths: [String] = []
        /// Supplies module source by name before the search paths and the standard library:
        /// `import "pricing_rules"` can come from the host's database. Needs no capability.
        public var moduleSource: (@Sendable (String) throws -> String?)? = nil
        /// What `model()` with no spec opens (default `local`, the bundled small model).
        public var defaultModel: String? = nil
        /// Models the host implements, by spec prefix: `hostModels["shop"]` answers
        /// `model("shop:NAME")` with NAME. They need no capability.
        public var hostModels: [String: @Sendable (String) throws -> any LanguageModel] = [:]
        /// Prices added or overridden by spec (`openai:my-ft`, `shop:ranker`).
        public var prices: [String: ModelPrice] = [:]
        /// Sees every model call event (request, first token, response, error, retry, …).
        public var observer: (@Sendable (CallEvent) -> Void)? = nil
        /// The directory whose `models/` holds local models (`model("local…")`) and where they
        /// are pulled to; nil: `QUILL_HOME`, else `~/.quill`, shared with the `quill` command.
        public var modelHome: String? = nil
        /// Where `cache: true` responses are kept.
        public var responseCache = ResponseCache()
        /// Stack size of the runtime's thread.
        public var stackSize = 256 << 20

        /// The defaults: no capabilities, no limits but the call depth, output to standard output.
        public init() {}
    }

    /// Resource limits. `steps`, `timeout` and `output` apply to each call into the runtime
    /// (`run`, `call`, `evaluate`); `memory` and `spend` to the runtime's whole life. Hitting
    /// one stops the script with its own error kind, caught by no script `catch` for long: the
    /// next step raises it again.
    public struct Limits: Sendable {
        /// Loop iterations and function calls per call (`LimitError`).
        public var steps: Int? = nil
        /// Wall-clock seconds per call (`TimeoutError`); also ends model generation and waits
        /// in async host functions.
        public var timeout: Double? = nil
        /// Nested Quill calls (`StackOverflowError`).
        public var callDepth = 10_000
        /// Approximate bytes held by the script's strings, lists and maps (`MemoryError`).
        public var memory: Int? = nil
        /// Bytes of `print` output per call (`OutputLimitError`); the output is cut there.
        public var output: Int? = nil
        /// US dollars of model calls over the runtime's life (`BudgetExceeded`, refused before
        /// the request is sent).
        public var spend: Decimal? = nil

        /// Limits; nil means none.
        public init(steps: Int? = nil, timeout: Double? = nil, callDepth: Int = 10_000, memory: Int? = nil,
                    output: Int? = nil, spend: Decimal? = nil) {
            self.steps = steps
            self.timeout = timeout
            self.callDepth = callDepth
            self.memory = memory
            self.output = output
            self.spend = spend
        }
    }
}
