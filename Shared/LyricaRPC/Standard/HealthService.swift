import SwiftProtobuf

/// Serves `lyrica.health.v1.Health` from a `HealthStatus`; every server has one.
struct HealthService: Lyrica_Health_V1_Health.ServiceProtocol {
    let status: HealthStatus

    func check(_ request: Lyrica_Health_V1_HealthCheckRequest, context: RPCContext) async throws
        -> Lyrica_Health_V1_HealthCheckResponse
    {
        guard let status = self.status.status(of: request.service) else {
            throw RPCError(.notFound, "This server does not serve '\(request.service)'")
        }
        return .with { $0.status = status }
    }

    func watch(
        _ request: Lyrica_Health_V1_HealthCheckRequest, responses: RPCWriter<Lyrica_Health_V1_HealthCheckResponse>,
        context: RPCContext
    ) async throws {
        for await status in self.status.updates(of: request.service) {
            try await responses.write(.with { $0.status = status })
        }
        try Task.checkCancellation()
    }
}
