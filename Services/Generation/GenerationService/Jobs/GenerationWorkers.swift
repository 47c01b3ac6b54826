import SwiftProtobuf
package import Foundation
package import Logging
import LyricaProtos
package import LyricaRPC
import LyricaService
import NIOConcurrencyHelpers
import NIOCore
package import ServiceLifecycle
import Verse

/// The replica's workers: each claims the oldest pending job (or one whose worker's lease ran
/// out), runs its agents while renewing the lease, and records how it ended. A user's cancel
/// (seen on the lease renewal, or at once when the job runs here), the job's time limit, and a
/// lost lease stop the agents; a replica that stops hands its jobs back to the queue.
package final class GenerationWorkers: Service, Sendable {
    package struct Settings: Sendable {
        package var workers = 2
        package var lease: Duration = .seconds(30)
        package var pollInterval: Duration = .milliseconds(500)
        /// Attempts before a job whose workers keep dying fails.
        package var maxAttempts = 3
        package var jobTimeout: Duration = .seconds(300)

        package init() {}
    }

    private enum StopReason: Sendable {
        case user, timeout, leaseLost
    }

    private let store: GenerationStore
    private let dependencies: GenerationRun.Dependencies
    private let settings: Settings
    private let logger: Logger
    package let wakeup = JobWakeup()
    private let replica = UUID().uuidString.lowercased().prefix(8)
    /// Jobs running here → why they must stop, once someone decided.
    private let running = NIOLockedValueBox<[UUID: StopReason?]>([:])

    package init(store: GenerationStore, dependencies: GenerationRun.Dependencies, settings: Settings, logger: Logger) {
        self.store = store
        self.dependencies = dependencies
        self.settings = settings
        self.logger = logger
    }

    package func run() async throws {
        guard self.settings.workers > 0 else {
            // A replica that only accepts jobs still runs until the service stops.
            try? await gracefulShutdown()
            return
        }
        await withDiscardingTaskGroup { group in
            for worker in 0..<self.settings.workers {
                group.addTask { await self.work(owner: "\(ProcessInfo.processInfo.hostName)/\(self.replica)/\(worker)") }
            }
        }
    }

    /// Stops a job at once if it runs on this replica (others see the flag on renewal).
    package func cancelLocally(_ id: UUID) {
        self.running.withLockedValue { running in
            if running[id] != nil { running[id] = .some(.user) }
        }
    }

    private func work(owner: String) async {
        var delay = RetryDelay(maximum: .seconds(5))
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            do {
                guard let job = try await self.store.claim(owner: owner, lease: self.settings.lease, logger: self.logger) else {
                    await self.wakeup.wait(upTo: self.settings.pollInterval)
                    continue
                }
                delay.reset()
                await self.handle(job, owner: owner)
            } catch {
                self.logger.warning("Could not claim a generation job", metadata: ["error": "\(error)"])
                await delay.wait()
            }
        }
    }

    private func handle(_ job: GenerationStore.ClaimedJob, owner: String) async {
        let logger = {
            var logger = self.logger
            logger[metadataKey: "generation.id"] = "\(job.id.uuidString.lowercased())"
            return logger
        }()
        let run = GenerationRun(job: job, owner: owner, dependencies: self.dependencies, logger: logger)
        if job.cancelRequested {
            await self.end(run, outcome: .cancelled(reason: "Cancelled by the user"), logger: logger)
            return
        }
        if job.attempt > self.settings.maxAttempts {
            await self.end(
                run, outcome: .failed(code: .aborted, message: "The generation's worker stopped \(job.attempt - 1) times before finishing it"),
                logger: logger)
            return
        }
        logger.info("Generation started", metadata: ["generation.attempt": "\(job.attempt)"])
        self.running.withLockedValue { $0[job.id] = .some(nil) }
        defer { _ = self.running.withLockedValue { $0.removeValue(forKey: job.id) } }

        // The agents call other services as this service acting for the job's user, within the job's time.
        var context = RPCContext(
            method: Lyrica_Generation_V1_GenerationService.Method.startGeneration, metadata: [:],
            deadline: .now() + TimeAmount.nanoseconds(Int64(self.settings.jobTimeout.components.seconds) * 1_000_000_000), peer: "worker",
            logger: logger)
        context.principal = Principal(kind: .user, userID: job.userID, scopes: [])
        let jobContext = context
        let deadline = ContinuousClock.now + self.settings.jobTimeout

        let result: Result<GenerationStore.Outcome, any Error>? = await withTaskGroup(of: Result<GenerationStore.Outcome, any Error>?.self) { group in
            group.addTask {
                do {
                    return .success(try await RPCContext.$current.withValue(jobContext) { try await run.run() })
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                await self.watch(job, owner: owner, until: deadline, logger: logger)
                return nil
            }
            var result: Result<GenerationStore.Outcome, any Error>?
            for await item in group {
                if let item { result = item }
                group.cancelAll()
            }
            return result
        }
        let reason = self.running.withLockedValue { $0[job.id] ?? nil }
        switch (result, reason) {
        case (_, .leaseLost?):
            logger.warning("Another worker took the generation over; stopping here")
        case (_, .user?):
            await self.end(run, outcome: .cancelled(reason: "Cancelled by the user"), logger: logger)
        case (_, .timeout?):
            await self.end(run, outcome: .failed(code: .deadlineExceeded, message: "The generation took longer than \(self.settings.jobTimeout)"), logger: logger)
        case (.success(let outcome)?, nil):
            await self.end(run, outcome: outcome, logger: logger)
        case (.failure(let error)?, nil) where Task.isCancelled || Task.isShuttingDownGracefully:
            logger.info("Handing the generation back to the queue: this replica is stopping", metadata: ["error": "\(error)"])
            try? await self.store.release(id: job.id, owner: owner, logger: logger)
        case (.failure(let error as RPCError)?, nil):
            await self.end(run, outcome: .failed(code: error.code, message: error.message), logger: logger)
        case (.failure(let error)?, nil):
            await self.end(run, outcome: .failed(code: .internalError, message: "\(error)"), logger: logger)
        case (nil, nil):
            try? await self.store.release(id: job.id, owner: owner, logger: logger)
        }
    }

    /// Renews the lease every few beats and checks for a reason to stop; returns once there is one.
    private func watch(_ job: GenerationStore.ClaimedJob, owner: String, until deadline: ContinuousClock.Instant, logger: Logger) async {
        let beat = Duration.milliseconds(250)
        let renewEvery = max(1, Int(min(self.settings.lease / 3, .seconds(1)) / beat))
        var beats = 0
        while !Task.isCancelled {
            do { try await Task.sleep(for: beat) } catch { return }
            beats += 1
            if self.running.withLockedValue({ $0[job.id] ?? nil }) != nil { return }
            if ContinuousClock.now > deadline {
                self.stop(job.id, .timeout)
                return
            }
            guard beats % renewEvery == 0 else { continue }
            do {
                switch try await self.store.renew(id: job.id, owner: owner, lease: self.settings.lease, logger: logger) {
                case nil:
                    self.stop(job.id, .leaseLost)
                    return
                case true?:
                    self.stop(job.id, .user)
                    return
                case false?:
                    continue
                }
            } catch {
                logger.warning("Could not renew the generation's lease", metadata: ["error": "\(error)"])
            }
        }
    }

    private func stop(_ id: UUID, _ reason: StopReason) {
        self.running.withLockedValue { running in
            if running[id] != nil, running[id]! == nil { running[id] = .some(reason) }
        }
    }

    /// Records the outcome (if this worker still holds the job) and tells the watchers.
    private func end(_ run: GenerationRun, outcome: GenerationStore.Outcome, logger: Logger) async {
        let steps = await run.steps
        var timings = await run.timings
        timings.total = max(timings.total, await run.elapsedSeconds)
        do {
            let finished = try await self.store.finish(
                id: run.job.id, owner: run.owner, outcome: outcome, model: run.modelName, steps: steps, timings: timings, logger: logger)
            guard finished else {
                logger.warning("The generation had already ended or moved to another worker; outcome not recorded")
                return
            }
        } catch {
            logger.error("Could not record the generation's outcome; it will be retried when its lease expires", metadata: ["error": "\(error)"])
            return
        }
        switch outcome {
        case .completed(let lyricsID, let song, let scores, let iterations):
            logger.info("Generation completed", metadata: ["lyrics.id": "\(lyricsID)", "generation.iterations": "\(iterations)"])
            await run.emit(
                .finished(
                    .with {
                        $0.lyricsID = lyricsID.uuidString.lowercased()
                        $0.song = song
                        $0.scores = scores
                        $0.iterations = Int32(iterations)
                        $0.model = run.modelName
                    }), state: ["status": "completed", "percent": "100"])
        case .failed(let code, let message):
            logger.warning("Generation failed", metadata: ["error.code": "\(code.name)", "error": "\(message)"])
            await run.emit(
                .failed(
                    .with {
                        $0.code = code.name
                        $0.message = message
                    }), state: ["status": "failed"])
        case .cancelled(let reason):
            logger.info("Generation cancelled")
            await run.emit(.cancelled(.with { $0.reason = reason }), state: ["status": "cancelled"])
        }
    }
}
