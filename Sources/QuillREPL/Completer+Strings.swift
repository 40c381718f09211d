import Foundation
import Quill

/// Completion of `:commands` and of text inside string literals: model specs and file paths.
extension Completer {
    /// The commands whose argument is a model spec or a file path rather than Quill code.
    static let specCommands: Set<String> = [":model"]
    static let pathCommands: Set<String> = [":load", ":save"]

    /// For a line that starts with `:`: the command being typed, or its argument. Nil for
    /// any other line.
    func completeCommand(_ before: [UInt8]) -> Completion? {
        guard let colon = before.firstIndex(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }),
              before[colon] == UInt8(ascii: ":") else { return nil }
        let nameEnd = before[colon...].firstIndex(where: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) ?? before.count
        let name = String(decoding: before[colon..<nameEnd], as: UTF8.self)
        if nameEnd == before.count {
            let matches = environment.commands.filter { $0.hasPrefix(name) }
            return Completion(start: colon, candidates: Self.tidy(matches))
        }
        var argument = nameEnd
        while argument < before.count, before[argument] == UInt8(ascii: " ") || before[argument] == UInt8(ascii: "\t") {
            argument += 1
        }
        let text = String(decoding: before[argument...], as: UTF8.self)
        if Self.specCommands.contains(name) {
            return Completion(start: argument, candidates: modelSpecs(prefix: text))
        }
        if Self.pathCommands.contains(name) {
            return completePath(text, cursor: before.count, inString: false)
        }
        // `:tokens EXPR`, `:time EXPR`, ...: the rest is code.
        return completeCode(Array(before[nameEnd...]), base: nameEnd)
    }

    /// In a string literal: model specs for `model("…`, else file paths. `code` is the text
    /// the scanner read, `enclosing` the tokens of the code the literal is part of.
    func completeString(_ open: OpenString, code: [UInt8], enclosing: [CompletionToken], base: Int) -> Completion {
        let cursor = base + code.count
        let none = Completion(start: cursor, candidates: [])
        // Offsets below assume the text is the bytes as typed, which an escape would break.
        guard open.isPlain, !code[open.segmentStart...].contains(UInt8(ascii: "\\")) else { return none }
        if isModelSpecArgument(enclosing) {
            return Completion(start: base + open.segmentStart, candidates: modelSpecs(prefix: open.text))
        }
        return completePath(open.text, cursor: cursor, inString: true)
    }

    /// Whether a string opened at the end of `tokens` is the spec of a call to the built-in
    /// `model`: `model("` or `model(spec: "`, under any name the function is bound to.
    private func isModelSpecArgument(_ tokens: [CompletionToken]) -> Bool {
        var paren = tokens.count - 1
        if paren >= 2, tokens[paren].isPunct(":"), tokens[paren - 1].kind == .word, tokens[paren - 1].text == "spec" {
            paren -= 2
        }
        guard paren >= 1, tokens[paren].isPunct("("),
              case .native(let f)? = resolver.value(endingAt: paren, in: tokens) else { return false }
        return f.name == "model" && !f.isMethod
    }

    private func modelSpecs(prefix: String) -> [String] {
        Self.tidy(environment.modelSpecs().filter { $0.hasPrefix(prefix) })
    }

    // MARK: - Paths

    /// The entries of the directory `text` names up to its last `/` whose names start with what
    /// follows it; directories end with `/`. The replaced word is that last component, so the
    /// list shows names as a shell does. `~/` is the home directory; other relative paths start
    /// in the current directory. Hidden entries appear only once a `.` is typed. In a string
    /// literal, quotes and backslashes in names are escaped.
    func completePath(_ text: String, cursor: Int, inString: Bool) -> Completion {
        if text == "~" { return Completion(start: cursor - 1, candidates: ["~/"]) }
        let slash = text.lastIndex(of: "/")
        let directoryPart = slash.map { String(text[...$0]) } ?? ""
        let namePrefix = slash.map { String(text[text.index(after: $0)...]) } ?? text
        let start = cursor - namePrefix.utf8.count
        let fm = FileManager.default
        let directory = resolveDirectory(directoryPart)
        guard let entries = try? fm.contentsOfDirectory(atPath: directory) else {
            return Completion(start: start, candidates: [])
        }
        var candidates: [String] = []
        for entry in entries where entry.hasPrefix(namePrefix) {
            if entry.hasPrefix("."), !namePrefix.hasPrefix(".") { continue }
            var isDirectory: ObjCBool = false
            let path = (directory as NSString).appendingPathComponent(entry)
            _ = fm.fileExists(atPath: path, isDirectory: &isDirectory)
            let name = inString ? Self.escapedForString(entry) : entry
            candidates.append(name + (isDirectory.boolValue ? "/" : ""))
        }
        return Completion(start: start, candidates: Self.tidy(candidates))
    }

    /// The directory to list for the part of a path up to and including its last `/`.
    private func resolveDirectory(_ part: String) -> String {
        if part.isEmpty { return environment.currentDirectory }
        if part.hasPrefix("/") { return part }
        if part.hasPrefix("~/") {
            let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
            return home + part.dropFirst()
        }
        return (environment.currentDirectory as NSString).appendingPathComponent(part)
    }

    /// A file name as it must be written inside a Quill string literal.
    private static func escapedForString(_ name: String) -> String {
        guard name.contains(where: { $0 == "\\" || $0 == "\"" }) else { return name }
        return name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}
