import Foundation
import Quill

/// Tab completion for the REPL: what may replace the word before the cursor.
///
/// Completion is pure: it reads the session (its bindings, the built-ins, the file system) but
/// never runs Quill code, so pressing Tab cannot start a generation or change a value. The line
/// editor calls `complete(_:cursor:)`, inserts `commonPrefix` of the candidates, and lists them
/// when several remain.
///
/// What is offered depends on where the cursor is:
/// - at the start of a line that begins with `:`, the REPL's commands (and after `:model`, model
///   specs; after `:load` and `:save`, file paths; after the others, code);
/// - after `.`, the members of the value before it, found without side effects (`ValueResolver`);
/// - in a name, keywords, built-ins and the session's bindings, plus inside a call the
///   parameters not given yet, as `name: `;
/// - in a string literal, model specs when it is `model("…`'s first argument, else file paths.
///
/// An empty word is completed only after `.` and in a call's argument list (its named
/// arguments); elsewhere nothing is offered, so the editor may treat Tab as indentation.
public struct Completer {
    /// What completion reads from the session.
    public struct Environment {
        /// Its built-ins (`vm.builtins`) and member lookups.
        public var vm: VM
        /// The session's own top-level bindings.
        public var module: Module
        /// The REPL's commands with their colon: `[":help", ":models", ...]`.
        public var commands: [String]
        /// The specs to offer inside `model("` and after `:model`, read at each completion.
        public var modelSpecs: () -> [String]
        /// Where relative paths in string literals start.
        public var currentDirectory: String

        public init(vm: VM, module: Module, commands: [String] = [], modelSpecs: @escaping () -> [String] = { [] },
                    currentDirectory: String = FileManager.default.currentDirectoryPath) {
            self.vm = vm
            self.module = module
            self.commands = commands
            self.modelSpecs = modelSpecs
            self.currentDirectory = currentDirectory
        }
    }

    /// The candidates for one Tab.
    public struct Completion: Equatable, Sendable {
        /// UTF-8 offset in the line where the replaced word starts (the cursor is where it ends).
        public var start: Int
        /// Full replacement texts for `line[start..<cursor]`, sorted, unique.
        public var candidates: [String]

        public init(start: Int, candidates: [String]) {
            self.start = start
            self.candidates = candidates
        }
    }

    let environment: Environment
    let resolver: ValueResolver

    public init(_ environment: Environment) {
        self.environment = environment
        resolver = ValueResolver(vm: environment.vm, module: environment.module)
    }

    /// What may replace the word that ends at `cursor` (a UTF-8 offset into `line`, clamped to it).
    public func complete(_ line: String, cursor: Int) -> Completion {
        let bytes = Array(line.utf8)
        let cursor = min(max(cursor, 0), bytes.count)
        // A cursor inside a UTF-8 sequence has no word before it that could be measured in bytes.
        if cursor < bytes.count, bytes[cursor] & 0xC0 == 0x80 { return Completion(start: cursor, candidates: []) }
        let before = Array(bytes[..<cursor])
        if let completion = completeCommand(before) { return completion }
        return completeCode(before, base: 0)
    }

    /// The longest common prefix of candidates (what one Tab inserts when several match).
    ///
    /// Compared by characters, so it never ends inside a UTF-8 sequence or a grapheme.
    public static func commonPrefix(_ words: [String]) -> String {
        guard let first = words.first else { return "" }
        var prefix = first[...]
        for word in words.dropFirst() {
            var end = prefix.startIndex
            var w = word.startIndex
            while end < prefix.endIndex, w < word.endIndex, prefix[end] == word[w] {
                end = prefix.index(after: end)
                w = word.index(after: w)
            }
            prefix = prefix[..<end]
            if prefix.isEmpty { break }
        }
        return String(prefix)
    }

    // MARK: - Code

    /// Completes `code` (the text before the cursor, or after a command) whose first byte is
    /// at `base` in the line.
    func completeCode(_ code: [UInt8], base: Int) -> Completion {
        let cursor = base + code.count
        let scanned = LineScanner.scan(code)
        switch scanned.place {
        case .elsewhere:
            return Completion(start: cursor, candidates: [])
        case .string(let open):
            return completeString(open, code: code, enclosing: scanned.tokens, base: base)
        case .code:
            return completeTokens(scanned.tokens, cursor: code.count, base: base)
        }
    }

    /// Completes the word at the end of `tokens` (if the last one touches the cursor).
    private func completeTokens(_ scanned: [CompletionToken], cursor: Int, base: Int) -> Completion {
        var tokens = scanned
        var prefix = ""
        var start = cursor
        if let last = tokens.last, last.end == cursor {
            switch last.kind {
            case .word:
                prefix = last.text
                start = last.start
                tokens.removeLast()
            case .number, .string:
                // `12⇥` or `"a"⇥`: a literal is not a word to complete.
                return Completion(start: base + cursor, candidates: [])
            case .punct:
                break
            }
        }
        if let dot = tokens.last, dot.isPunct(".") {
            tokens.removeLast()
            return Completion(start: base + start, candidates: members(before: tokens, prefix: prefix))
        }
        var candidates = namedArguments(in: tokens, prefix: prefix)
        if !prefix.isEmpty { candidates += names(prefix: prefix) }
        return Completion(start: base + start, candidates: Self.tidy(candidates))
    }

    /// The members of the value `tokens` ends with, for `value.prefix`.
    private func members(before tokens: [CompletionToken], prefix: String) -> [String] {
        guard let receiver = resolver.value(endingAt: tokens.count, in: tokens) else { return [] }
        return Self.tidy(receiver.memberNames.filter { Self.isIdentifier($0) && Self.visible($0, prefix: prefix) })
    }

    /// Keywords, built-ins and session bindings that start with `prefix`.
    private func names(prefix: String) -> [String] {
        var all = Array(TokenKind.keywords.keys)
        all += environment.vm.builtins.keys
        all += environment.module.bindingNames
        return all.filter { Self.visible($0, prefix: prefix) }
    }

    /// Inside `f(…, prefix` at an argument's start: the parameters of `f` not given yet, as
    /// `name: `. Positional arguments fill parameters in order, except for variadic natives,
    /// whose parameters are only ever named (`print(a, b, sep: "")`).
    private func namedArguments(in tokens: [CompletionToken], prefix: String) -> [String] {
        guard let call = CallSiteScan(tokens), call.atArgumentStart,
              let callee = resolver.value(endingAt: call.paren, in: tokens) else { return [] }
        let parameters: [String]
        var positionalFill = call.positionalCount
        switch callee {
        case .native(let f):
            parameters = f.parameters
            if f.variadic { positionalFill = 0 }
        case .function(let c):
            parameters = c.proto.parameters
        default:
            return []
        }
        return parameters.enumerated()
            .filter { $0.offset >= positionalFill && !call.namesGiven.contains($0.element) }
            .map(\.element)
            .filter { Self.visible($0, prefix: prefix) }
            .map { $0 + ": " }
    }

    // MARK: - Filters

    /// Starts with `prefix` and is not private. Names beginning with `_` are hidden, except `_`
    /// itself (the last value) and once the prefix goes past the underscore (`_se` finds
    /// `_secret`): asking for them by name is the one way to mean them.
    static func visible(_ name: String, prefix: String) -> Bool {
        guard name.hasPrefix(prefix) else { return false }
        return name == "_" || !name.hasPrefix("_") || (prefix.hasPrefix("_") && prefix.utf8.count > 1)
    }

    /// Whether `name` can be written after a `.` (map keys may be any string).
    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")) else { return false }
        return name.utf8.allSatisfy(LineScanner.isWordByte)
    }

    /// Sorted and without duplicates, as `Completion.candidates` promises.
    static func tidy(_ candidates: [String]) -> [String] {
        Array(Set(candidates)).sorted()
    }
}
