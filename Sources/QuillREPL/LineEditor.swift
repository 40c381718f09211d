@preconcurrency import CLibEdit
import Foundation

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// Line editing on libedit's native API: emacs keys (vi through `~/.editrc`'s `bind -v` or
/// `:set vi`), reverse search (Ctrl-R), persistent history, and Tab bound to a completion
/// function.
///
/// libedit calls back through C function pointers that cannot capture, so the editor stores
/// itself in the EditLine's client-data slot and every callback reads it back from there.
final class LineEditor {
    private let el: OpaquePointer
    private let history: OpaquePointer
    private let historyPath: String?
    /// The prompt libedit reads through the prompt callback: a C string kept alive here.
    private var promptBuffer: UnsafeMutablePointer<CChar>
    /// Candidates for the text before the cursor: where the word starts (UTF-8 offset) and
    /// what may replace it.
    var complete: ((String, Int) -> (start: Int, candidates: [String]))?
    /// Where candidate lists are written (the terminal).
    private let output: UnsafeMutablePointer<FILE>
    private var entriesSinceSave = 0

    init?(program: String, historyPath: String?, historySize: Int = 1000) {
        guard let el = el_init(program, stdin, stdout, stderr), let history = history_init() else { return nil }
        self.el = el
        self.history = history
        self.historyPath = historyPath
        self.output = stdout
        promptBuffer = strdup("")!
        quill_history_setsize(history, Int32(historySize))
        quill_history_setunique(history, 1)  // a repeated line is kept once
        if let historyPath { quill_history_load(history, historyPath) }
        quill_el_set_editor(el, "emacs")
        // libedit restores the terminal before a signal reaches the process's handler.
        quill_el_set_signal(el, 1)
        quill_el_set_history(el, history)
        quill_el_set_clientdata(el, Unmanaged.passUnretained(self).toOpaque())
        quill_el_set_prompt(el) { el in LineEditor.from(el)?.promptBuffer }
        quill_el_addfn(el, "quill-complete", "Complete the word before the cursor") { el, _ in
            LineEditor.from(el)?.completeWord() ?? UInt8(CC_ERROR)
        }
        quill_el_bind(el, "^I", "quill-complete")
        quill_el_bind(el, "^R", "em-inc-search-prev")
        el_source(el, nil)  // ~/.editrc, as other libedit programs honour
    }

    deinit {
        saveHistory()
        history_end(history)
        el_end(el)
        free(promptBuffer)
    }

    private static func from(_ el: OpaquePointer?) -> LineEditor? {
        guard let el, let raw = quill_el_get_clientdata(el) else { return nil }
        return Unmanaged<LineEditor>.fromOpaque(raw).takeUnretainedValue()
    }

    /// Switches between emacs and vi key bindings (`:set vi`).
    func setEditor(_ mode: String) { quill_el_set_editor(el, mode) }

    /// Reads one line with `prompt`; nil at end of input (Ctrl-D on an empty line) or when a
    /// signal interrupted the read (the caller's flag tells which).
    func readLine(prompt: String) -> String? {
        free(promptBuffer)
        promptBuffer = strdup(prompt)!
        var count: Int32 = 0
        guard let raw = el_gets(el, &count), count > 0 else { return nil }
        var line = String(cString: raw)
        if line.hasSuffix("\n") { line.removeLast() }
        return line
    }

    /// Adds an entry to the history, and writes the file every few entries so a session that
    /// is killed loses little.
    func remember(_ entry: String) {
        var text = entry
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        guard !text.isEmpty else { return }
        quill_history_enter(history, text)
        entriesSinceSave += 1
        if entriesSinceSave >= 10 { saveHistory() }
    }

    func saveHistory() {
        guard let historyPath else { return }
        let folder = (historyPath as NSString).deletingLastPathComponent
        if !folder.isEmpty { try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        quill_history_save(history, historyPath)
        entriesSinceSave = 0
    }

    /// Tab: one candidate is inserted; several insert their longest common prefix, or, when
    /// that adds nothing, are listed under the line.
    private func completeWord() -> UInt8 {
        guard let complete, let info = el_line(el)?.pointee, let buffer = info.buffer, let cursor = info.cursor else {
            return UInt8(CC_ERROR)
        }
        let before = String(decoding: UnsafeRawBufferPointer(start: buffer, count: cursor - buffer), as: UTF8.self)
        let (start, candidates) = complete(before, before.utf8.count)
        let typed = String(decoding: Array(before.utf8)[min(start, before.utf8.count)...], as: UTF8.self)
        guard !candidates.isEmpty else { return UInt8(CC_REFRESH_BEEP) }
        let common = candidates.count == 1 ? candidates[0] : Completer.commonPrefix(candidates)
        if common.utf8.count > typed.utf8.count, common.hasPrefix(typed) {
            el_insertstr(el, String(common.dropFirst(typed.count)))
            return UInt8(CC_REFRESH)
        }
        if candidates.count == 1 { return UInt8(CC_REFRESH) }
        fputs("\n" + Self.columns(candidates) + "\n", output)
        fflush(output)
        return UInt8(CC_REDISPLAY)
    }

    /// Candidates in columns, as shells list them.
    static func columns(_ words: [String], width: Int = 80) -> String {
        let cell = (words.map(\.count).max() ?? 0) + 2
        let perLine = max(1, width / cell)
        return stride(from: 0, to: words.count, by: perLine).map { i in
            words[i..<min(i + perLine, words.count)].map { $0.padding(toLength: cell, withPad: " ", startingAt: 0) }
                .joined().replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }.joined(separator: "\n")
    }
}
