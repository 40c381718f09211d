import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import QuillEngine

/// Downloads one URL to a file with URLSession, reporting progress; fails with the HTTP
/// status when the server answers with an error.
final class URLDownload: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let report: @Sendable (String) -> Void
    private var handle: FileHandle?
    private var expected: Int64 = -1
    private var received: Int64 = 0
    private var lastReported = -1
    private var failure: Error?
    private let done = DispatchSemaphore(value: 0)

    init(report: @escaping @Sendable (String) -> Void) {
        self.report = report
    }

    func run(_ url: URL, to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
            throw ModelError("cannot write \(path)")
        }
        handle = h
        let session = URLSession(configuration: .ephemeral, delegate: self, delegateQueue: nil)
        session.dataTask(with: url).resume()
        done.wait()
        session.finishTasksAndInvalidate()
        try? h.close()
        if received > 0 { report("\n") }
        if let failure {
            try? FileManager.default.removeItem(atPath: path)
            throw failure
        }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        if let http = response as? HTTPURLResponse, !(200..<300).contains(http.statusCode) {
            failure = ModelError("\(response.url?.absoluteString ?? "the server") answered HTTP \(http.statusCode); check the URL")
            completionHandler(.cancel)
            return
        }
        expected = response.expectedContentLength
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        handle?.write(data)
        received += Int64(data.count)
        let mb = Int(received / 1_000_000)
        if mb != lastReported {
            lastReported = mb
            let total = expected > 0 ? " of \(expected / 1_000_000) MB (\(received * 100 / expected)%)" : " MB"
            report("\rquill: downloaded \(mb)\(total)")
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        if failure == nil, let error {
            failure = ModelError("download failed: \(error.localizedDescription)")
        }
        done.signal()
    }
}
