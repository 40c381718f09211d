#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A program started for `process.run`: spawned with `posix_spawn` (Foundation's `Process`
/// has been seen to hang here), its standard streams on pipes, in a process group of its own
/// so that a timeout or an interrupt can kill it together with anything it started.
///
/// `communicate` feeds standard input and collects both outputs with `poll` on the calling
/// thread, so a child that fills one pipe while we wait on the other cannot deadlock, and
/// it checks the deadline and the stop flag between polls. `terminate` may be called from any
/// thread (an interrupt handler); it does nothing once the child has been reaped, so a reused
/// process id is never signalled.
final class ChildProcess: @unchecked Sendable {
    struct Outcome {
        /// The exit code, or minus the signal that ended the program.
        var status: Int
        var stdout: [UInt8]
        var stderr: [UInt8]
        /// Whether `communicate` killed the program (past the deadline, or told to stop).
        var killed: Bool
    }

    /// Why a program could not be started: the system's error number.
    struct SpawnError: Error { let code: Int32 }

    let pid: pid_t
    private var input: Int32, output: Int32, errors: Int32
    /// Set under the lock when the child has been reaped; `terminate` checks it.
    private let reaped = Mutex(false)

    private init(pid: pid_t, input: Int32, output: Int32, errors: Int32) {
        (self.pid, self.input, self.output, self.errors) = (pid, input, output, errors)
    }

    /// Starts `argv[0]` (searched on PATH unless it has a slash) with `argv` as its arguments,
    /// the process's environment, `directory` as its working directory if given, and standard
    /// input on a pipe (`feedsInput`) or `/dev/null`.
    static func spawn(_ argv: [String], directory: String?, feedsInput: Bool) throws(SpawnError) -> ChildProcess {
        var stdinPipe: [Int32] = [-1, -1], stdoutPipe: [Int32] = [-1, -1], stderrPipe: [Int32] = [-1, -1]
        var opened: [Int32] = []
        func closeAll() { for fd in opened where fd >= 0 { close(fd) } }
        guard makePipe(&stdoutPipe) == 0 else { throw SpawnError(code: errno) }
        opened += stdoutPipe
        guard makePipe(&stderrPipe) == 0 else { let e = errno; closeAll(); throw SpawnError(code: e) }
        opened += stderrPipe
        if feedsInput {
            guard makePipe(&stdinPipe) == 0 else { let e = errno; closeAll(); throw SpawnError(code: e) }
        } else {
            stdinPipe[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)
            guard stdinPipe[0] >= 0 else { let e = errno; closeAll(); throw SpawnError(code: e) }
        }
        opened += stdinPipe

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let directory {
            guard let addChdir = SpawnExtensions.addChdir else { closeAll(); throw SpawnError(code: ENOSYS) }
            _ = addChdir(&actions, directory)
        }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)
        // Descriptors the host opened without close-on-exec are not the child's business.
        if let addClosefrom = SpawnExtensions.addClosefrom { _ = addClosefrom(&actions, 3) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group, default signal handling and no blocked signals: a host that
        // ignores SIGINT or SIGPIPE must not pass that on.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var everySignal = sigset_t(), noSignal = sigset_t()
        sigfillset(&everySignal)
        sigemptyset(&noSignal)
        posix_spawnattr_setsigdefault(&attributes, &everySignal)
        posix_spawnattr_setsigmask(&attributes, &noSignal)

        let cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { (s: String) in strdup(s) } + [nil]
        defer { for p in cArguments { free(p) } }
        var pid: pid_t = 0
        let result = posix_spawnp(&pid, argv[0], &actions, &attributes, cArguments, environ)
        close(stdinPipe[0])
        close(stdoutPipe[1])
        close(stderrPipe[1])
        guard result == 0 else {
            for fd in [stdinPipe[1], stdoutPipe[0], stderrPipe[0]] where fd >= 0 { close(fd) }
            throw SpawnError(code: result)
        }
        if stdinPipe[1] >= 0 { _ = fcntl(stdinPipe[1], F_SETFL, fcntl(stdinPipe[1], F_GETFL) | O_NONBLOCK) }
        return ChildProcess(pid: pid, input: stdinPipe[1], output: stdoutPipe[0], errors: stderrPipe[0])
    }

    /// A pipe whose ends are closed on exec, so other children do not inherit them (`pipe2`
    /// is not in Swift's Glibc module).
    private static func makePipe(_ fds: inout [Int32]) -> Int32 {
        guard pipe(&fds) == 0 else { return -1 }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return 0
    }

    /// Kills the program and its process group (SIGKILL), unless it has already been reaped.
    func terminate() {
        reaped.withLock { done in
            if !done { _ = kill(-pid, SIGKILL) }
        }
    }

    /// Writes `stdin` to the program and closes its input, collects its outputs until both
    /// close, and reaps it. Past `deadline` (a monotonic time in nanoseconds) or once `stop`
    /// says so, the program is killed and what it wrote so far is returned.
    func communicate(stdin data: [UInt8], deadline: UInt64?, stop: () -> Bool) -> Outcome {
        var out: [UInt8] = [], err: [UInt8] = []
        var written = 0, killed = false, killedAt: UInt64 = 0
        var status: Int32?
        if input >= 0, data.isEmpty { closeInput() }
        // A program that exits without reading its input must not take us down with SIGPIPE:
        // block it on this thread while writing, and swallow the one the write raised.
        var pipeSignal = sigset_t(), previousMask = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &pipeSignal, &previousMask)
        defer {
            var pending = sigset_t()
            sigpending(&pending)
            if sigismember(&pending, SIGPIPE) == 1, sigismember(&previousMask, SIGPIPE) == 0 {
                var zero = timespec()
                _ = sigtimedwait(&pipeSignal, nil, &zero)
            }
            pthread_sigmask(SIG_SETMASK, &previousMask, nil)
        }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while output >= 0 || errors >= 0 || status == nil {
            let now = clock_gettime_nsec_np_portable()
            if !killed, stop() || deadline.map({ now >= $0 }) == true {
                terminate()
                (killed, killedAt) = (true, now)
            }
            // Something the program started may hold the pipes open after it is killed: give
            // up on them after a second rather than wait forever.
            if killed, now - killedAt > 1_000_000_000 {
                closeOutputs()
            }
            if status == nil { status = reap(blocking: false) }
            var fds: [pollfd] = []
            if output >= 0 { fds.append(pollfd(fd: output, events: Int16(POLLIN), revents: 0)) }
            if errors >= 0 { fds.append(pollfd(fd: errors, events: Int16(POLLIN), revents: 0)) }
            if input >= 0 { fds.append(pollfd(fd: input, events: Int16(POLLOUT), revents: 0)) }
            if fds.isEmpty {
                // Outputs closed but the program has not exited yet.
                if status == nil { usleep(5_000) }
                continue
            }
            let ready = poll(&fds, nfds_t(fds.count), 50)
            guard ready > 0 else { continue }
            for fd in fds where fd.revents != 0 {
                if fd.fd == input {
                    let n = data.withUnsafeBytes { write(input, $0.baseAddress! + written, min($0.count - written, 1 << 16)) }
                    if n > 0 { written += n }
                    if n < 0, errno != EAGAIN, errno != EINTR { closeInput() }
                    if written == data.count { closeInput() }
                } else {
                    let n = chunk.withUnsafeMutableBytes { read(fd.fd, $0.baseAddress, $0.count) }
                    if n > 0 {
                        if fd.fd == output { out += chunk[0..<n] } else { err += chunk[0..<n] }
                    } else if n == 0 || (errno != EAGAIN && errno != EINTR) {
                        close(fd.fd)
                        if fd.fd == output { output = -1 } else { errors = -1 }
                    }
                }
            }
        }
        closeInput()
        return Outcome(status: Int(Self.decode(status ?? 0)), stdout: out, stderr: err, killed: killed)
    }

    /// Reaps the program if it has exited: its raw wait status, or nil if it is still running.
    private func reap(blocking: Bool) -> Int32? {
        reaped.withLock { done -> Int32? in
            guard !done else { return nil }
            var status: Int32 = 0
            let r = waitpid(pid, &status, blocking ? 0 : WNOHANG)
            guard r == pid else { return nil }
            done = true
            return status
        }
    }

    private func closeInput() {
        if input >= 0 { close(input); input = -1 }
    }

    private func closeOutputs() {
        if output >= 0 { close(output); output = -1 }
        if errors >= 0 { close(errors); errors = -1 }
    }

    /// The exit code, or minus the signal (the `WIFEXITED`/`WTERMSIG` macros, which Swift
    /// does not import).
    static func decode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : -signal
    }
}

/// `posix_spawn` file actions that glibc has (2.29+, 2.34+) but declares only for `_GNU_SOURCE`,
/// which Swift's Glibc module does not see; looked up at run time, so an older C library
/// loses only what it lacks.
private enum SpawnExtensions {
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    typealias AddClosefrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    static let addChdir: AddChdir? = symbol("posix_spawn_file_actions_addchdir_np").map { unsafeBitCast($0, to: AddChdir.self) }
    static let addClosefrom: AddClosefrom? = symbol("posix_spawn_file_actions_addclosefrom_np").map { unsafeBitCast($0, to: AddClosefrom.self) }

    private static func symbol(_ name: String) -> UnsafeMutableRawPointer? {
        dlsym(dlopen(nil, RTLD_NOW), name)
    }
}
