#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A POSIX thread with a large stack that runs one closure; `join()` waits for it to end.
///
/// `batch` runs its tasks on these. Quill code nests native and Quill calls up to 180 deep,
/// each level a dispatch loop on the Swift stack, and a default thread stack (8 MB on Linux,
/// 512 KB for secondary threads on macOS) can run out before Quill's own limits turn deep
/// nesting into a clear error. The stack is reserved address space: its pages become memory
/// only when touched, so a generous size costs nothing until it is used.
final class WorkerThread {
    /// The stack reserved for each worker, and a smaller one tried when the system refuses it.
    static let stackBytes = 256 << 20
    static let fallbackStackBytes = 16 << 20

    #if canImport(Darwin)
    private var thread: pthread_t?
    #else
    private var thread = pthread_t()
    #endif
    private var joined = false

    /// Starts a thread running `body`; throws when the system cannot create one.
    init(_ body: @escaping () -> Void) throws {
        let work = Work(body)
        for size in [Self.stackBytes, Self.fallbackStackBytes] {
            var attributes = pthread_attr_t()
            pthread_attr_init(&attributes)
            pthread_attr_setstacksize(&attributes, size)
            // The thread takes over this retain and releases it when `body` is done.
            let context = Unmanaged.passRetained(work).toOpaque()
            let status = pthread_create(&thread, &attributes, { raw in
                #if canImport(Darwin)
                let pointer = raw
                #else
                let pointer = raw!
                #endif
                let work = Unmanaged<Work>.fromOpaque(pointer).takeRetainedValue()
                work.body()
                return nil
            }, context)
            pthread_attr_destroy(&attributes)
            if status == 0 { return }
            Unmanaged<Work>.fromOpaque(context).release()
        }
        joined = true
        throw QuillError("InternalError", "batch(): cannot start a worker thread",
                         hint: "the system refused to create more threads; use a lower concurrency")
    }

    /// Waits for the thread to finish (once; later calls return at once).
    func join() {
        guard !joined else { return }
        joined = true
        #if canImport(Darwin)
        if let thread { pthread_join(thread, nil) }
        #else
        pthread_join(thread, nil)
        #endif
    }

    deinit { join() }

    /// The closure handed to the new thread through its `void *` argument.
    private final class Work: @unchecked Sendable {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }
}
