import ServiceLifecycle

/// Sleeps for `duration`, waking early (without throwing) on cancellation or graceful shutdown:
/// what background loops (relays, consumers) do between rounds.
func sleepUnlessShuttingDown(_ duration: Duration) async {
    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
}
