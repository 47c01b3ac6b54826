package import Foundation
package import Logging
import LyricaService
import NIOPosix
import ServiceLifecycle
package import VectorIndex

/// Keeps this replica's index equal to PostgreSQL. At start it reconciles the index (empty, or
/// restored from a snapshot) with the database's chunks — dropping what is gone, fetching the
/// vectors it lacks — then polls the change log and applies each change's documents. Writes on
/// this replica call `catchUp(to:)` so their callers read their own writes. Snapshots are written
/// periodically and at shutdown; index updates run on a thread of their own, never on the
/// event loops or the cooperative pool.
package actor IndexFollower: Service {
    package struct Settings: Sendable {
        package var pollInterval: Duration = .milliseconds(250)
        package var snapshotURL: URL?
        package var snapshotInterval: Duration = .seconds(300)
        /// How long the change log keeps entries; a replica away longer reloads in full.
        package var changeRetention: Duration = .seconds(24 * 3600)

        package init() {}
    }

    package nonisolated let index: ChunkIndex
    package nonisolated let store: DocumentStore
    package nonisolated let space: String
    package nonisolated let settings: Settings
    private let logger: Logger
    private let thread = NIOThreadPool(numberOfThreads: 1)

    /// The last change applied; nil until the first reconcile finished.
    package private(set) var applied: Int64?
    package private(set) var snapshotAt: Date?
    private var snapshotChange: Int64?
    /// The pass of `applyChanges` under way, numbered.
    private var running: (number: Int, task: Task<Void, any Error>)?
    private var passes = 0

    package init(index: ChunkIndex, store: DocumentStore, space: String, settings: Settings, logger: Logger) {
        self.index = index
        self.store = store
        self.space = space
        self.settings = settings
        self.logger = logger
    }

    package func run() async throws {
        self.thread.start()
        await self.loadUntilDone()
        var lastSnapshot = ContinuousClock.now
        var lastPrune = ContinuousClock.now - .seconds(3600)
        var delay = RetryDelay(initial: self.settings.pollInterval, maximum: .seconds(5))
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await self.sync()
                delay.reset()
                if ContinuousClock.now - lastSnapshot >= self.settings.snapshotInterval {
                    await self.writeSnapshot()
                    lastSnapshot = .now
                }
                if ContinuousClock.now - lastPrune >= .seconds(3600) {
                    try await self.store.pruneChanges(olderThan: self.settings.changeRetention, logger: self.logger)
                    lastPrune = .now
                }
            } catch {
                self.logger.warning("Index follower could not read the change log; retrying", metadata: ["error": "\(error)"])
            }
            await delay.wait()
        }
        await self.writeSnapshot()
        try? await self.thread.shutdownGracefully()
    }

    /// Applies changes until `change` is in the index. False when that could not happen now (the
    /// first load is still running, or PostgreSQL failed): the write stands and the follower
    /// applies it later.
    @discardableResult
    package func catchUp(to change: Int64) async -> Bool {
        for _ in 0..<3 {
            guard let applied = self.applied else { return false }
            if applied >= change { return true }
            do { try await self.sync() } catch {
                self.logger.warning("Could not apply a change to the index yet", metadata: ["change": "\(change)", "error": "\(error)"])
                return false
            }
        }
        return (self.applied ?? 0) >= change
    }

    // MARK: Loading

    private func loadUntilDone() async {
        var delay = RetryDelay(initial: .milliseconds(200), maximum: .seconds(5))
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let started = ContinuousClock.now
                try await self.reload()
                self.logger.info("Index loaded", metadata: [
                    "chunks": "\(self.index.vectors.count)", "change": "\(self.applied ?? 0)", "took": "\(ContinuousClock.now - started)",
                ])
                let foreign = try await self.store.chunksInOtherSpaces(than: self.space, logger: self.logger)
                if foreign > 0 {
                    self.logger.warning("Chunks embedded in another vector space are not searchable; re-embed them", metadata: [
                        "chunks": "\(foreign)", "space": "\(self.space)", "command": "lyrica-retrieval reembed",
                    ])
                }
                return
            } catch {
                self.logger.warning("Could not load the index from PostgreSQL; retrying", metadata: ["error": "\(error)"])
                await delay.wait()
            }
        }
    }

    /// Makes the index equal to the database's chunks as of now.
    private func reload() async throws {
        let latest = try await self.store.latestChange(logger: self.logger)
        let entries = try await self.store.indexEntries(documents: nil, space: self.space, vectors: false, logger: self.logger)
        let missing = self.index.missing(entries)
        var fetched: [UUID: [Float]] = [:]
        for start in stride(from: 0, to: missing.count, by: 1_000) {
            let batch = Array(missing[start..<min(start + 1_000, missing.count)])
            fetched.merge(try await self.store.vectors(chunkIDs: batch, logger: self.logger)) { $1 }
        }
        let index = self.index
        let vectors = fetched
        try await self.thread.runIfActive { index.reconcile(with: entries, fetched: vectors) }
        self.applied = latest
    }

    // MARK: Following

    /// Runs one pass of `apply`, or waits for the pass already running and then runs one more, so
    /// a caller's pass always starts after its write committed.
    private func sync() async throws {
        if let current = self.running {
            _ = try? await current.task.value
            // A pass another caller started after that one also started after our write.
            if let next = self.running, next.number != current.number { return try await next.task.value }
        }
        self.passes += 1
        let number = self.passes
        let task = Task { try await self.applyChanges() }
        self.running = (number, task)
        defer { if self.running?.number == number { self.running = nil } }
        try await task.value
    }

    private func applyChanges() async throws {
        guard let applied = self.applied else { return }
        let latest = try await self.store.latestChange(logger: self.logger)
        guard latest > applied else { return }
        let oldest = try await self.store.oldestLoggedChange(logger: self.logger)
        guard let oldest, oldest <= applied + 1 else {
            self.logger.info("Changes since this index was current were pruned; reloading in full", metadata: ["applied": "\(applied)"])
            return try await self.reload()
        }
        let documents = try await self.store.changedDocuments(after: applied, through: latest, logger: self.logger)
        for start in stride(from: 0, to: documents.count, by: 500) {
            let batch = Array(documents[start..<min(start + 500, documents.count)])
            let entries = try await self.store.indexEntries(documents: batch, space: self.space, vectors: true, logger: self.logger)
            let byDocument = Dictionary(grouping: entries, by: \.documentID)
            let index = self.index
            try await self.thread.runIfActive {
                for document in batch { index.replaceDocument(document, with: byDocument[document] ?? []) }
            }
        }
        self.applied = latest
    }

    // MARK: Snapshots

    private func writeSnapshot() async {
        guard let url = self.settings.snapshotURL, let applied = self.applied, applied != self.snapshotChange else { return }
        let vectors = self.index.vectors
        do {
            let started = ContinuousClock.now
            try await self.thread.runIfActive { try vectors.write(to: url) }
            self.snapshotChange = applied
            self.snapshotAt = Date()
            self.logger.info("Index snapshot written", metadata: [
                "path": "\(url.path)", "chunks": "\(vectors.count)", "took": "\(ContinuousClock.now - started)",
            ])
        } catch {
            self.logger.warning("Could not write the index snapshot", metadata: ["path": "\(url.path)", "error": "\(error)"])
        }
    }

    /// The index restored from `url` when it is a snapshot of an index with these dimension and
    /// parameters; otherwise (none, unreadable, or other settings) a new empty one.
    package static func restore(from url: URL?, dimension: Int, parameters: HNSWIndex.Parameters, logger: Logger) -> HNSWIndex {
        guard let url, FileManager.default.fileExists(atPath: url.path) else {
            return HNSWIndex(dimension: dimension, parameters: parameters)
        }
        do {
            let index = try HNSWIndex.read(from: url)
            guard index.dimension == dimension, index.parameters == parameters else {
                logger.warning("The index snapshot was built with other settings; rebuilding from PostgreSQL", metadata: ["path": "\(url.path)"])
                return HNSWIndex(dimension: dimension, parameters: parameters)
            }
            logger.info("Index snapshot restored", metadata: ["path": "\(url.path)", "chunks": "\(index.count)"])
            return index
        } catch {
            logger.warning("The index snapshot could not be read; rebuilding from PostgreSQL", metadata: ["path": "\(url.path)", "error": "\(error)"])
            return HNSWIndex(dimension: dimension, parameters: parameters)
        }
    }
}
