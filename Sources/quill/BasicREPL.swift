import Quill

#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A line-at-a-time interactive loop on plain standard input. (The libedit REPL with history,
/// completion and multi-line editing replaces it.) Bindings persist between lines, and the
/// value of an expression is printed.
struct BasicREPL {
    func run() -> Int32 {
        let runtime = QuillRuntime()
        runtime.streamsModelOutput = true
        let vm = runtime.vm
        let module = Module(name: "<repl>", file: nil)
        print("\(QuillVersion.string) — type Quill code; Ctrl-D exits.")
        var lineNumber = 0
        while true {
            fputs("> ", stdout)
            fflush(stdout)
            guard let line = readLine() else { print(""); return 0 }
            lineNumber += 1
            if line.trimmingCharacters(in: " \t").isEmpty { continue }
            let file = SourceFile(name: "<repl:\(lineNumber)>", text: line)
            do {
                let proto = try vm.compile(file, into: module, interactive: true)
                let value = try vm.run(proto)
                if !value.isNil { print(value.repr) }
            } catch let e as CompileError {
                fputs(DiagnosticRenderer.render(e, color: false), stderr)
            } catch let e as RuntimeError {
                fputs(DiagnosticRenderer.render(e, color: false), stderr)
            } catch let e as ExitRequest {
                return e.status
            } catch {
                fputs("\(error)\n", stderr)
            }
        }
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        let chars = Set(set)
        var s = Substring(self)
        while let f = s.first, chars.contains(f) { s.removeFirst() }
        while let l = s.last, chars.contains(l) { s.removeLast() }
        return String(s)
    }
}
