import Foundation

/// What happens when the process traps (a bug, or a precondition).
///
/// The Swift runtime on Linux catches fatal signals and runs its backtracer, which on a terminal is
/// interactive: a crash once sat in it for 11 minutes. A command-line tool run from make or a shell
/// must end promptly instead, so unless the user asked for backtraces (`SWIFT_BACKTRACE` set), the
/// fatal signals get their default action back: the process ends at once with the signal (exit
/// status 128 + N in a shell), after one line on stderr saying what happened.
enum CrashHandling {
    static let fatalSignals: [Int32] = [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGABRT]

    static func install() {
        guard ProcessInfo.processInfo.environment["SWIFT_BACKTRACE"] == nil else { return }
        for sig in fatalSignals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { sig in
                // Async-signal-safe only: a static message, write, and the default action again.
                let message: StaticString = "segment: internal error; please report it with the command that caused it\n"
                _ = write(2, message.utf8Start, message.utf8CodeUnitCount)
                signal(sig, SIG_DFL)
                raise(sig)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(sig, &action, nil)
        }
        // A hook for the test that a trap ends promptly.
        if ProcessInfo.processInfo.environment["SEGMENT_TEST_TRAP"] != nil {
            fatalError("SEGMENT_TEST_TRAP")
        }
    }
}
