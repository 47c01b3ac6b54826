package import NIOCore
import NIOConcurrencyHelpers

/// Runs Swift tasks on a NIO event loop, so that a handler started from a channel stays on that
/// channel's thread: no hop to the cooperative pool and back for every call.
package final class EventLoopTaskExecutor: TaskExecutor, @unchecked Sendable {
    package let eventLoop: any EventLoop

    private init(eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        self.eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }

    private static let cache = NIOLockedValueBox([ObjectIdentifier: EventLoopTaskExecutor]())

    /// The executor for `eventLoop`, one per loop for the life of the process.
    package static func forEventLoop(_ eventLoop: any EventLoop) -> EventLoopTaskExecutor {
        let key = ObjectIdentifier(eventLoop)
        return self.cache.withLockedValue { cache in
            if let executor = cache[key] { return executor }
            let executor = EventLoopTaskExecutor(eventLoop: eventLoop)
            cache[key] = executor
            return executor
        }
    }
}
