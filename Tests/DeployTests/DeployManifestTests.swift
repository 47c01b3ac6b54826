import Foundation
import Testing

/// The deployment files under Deploy/ (Kubernetes, compose, systemd) are read as a deployment tool
/// would and their references checked: what one manifest names, another defines.
@Suite("Deployment manifests")
struct DeployManifestTests {
    static let services: [String: Int] = ["auth": 7101, "lyrics": 7102, "generation": 7103, "retrieval": 7104, "feedback": 7105]
    static let kubernetes = Manifests.root.appendingPathComponent("Deploy/kubernetes/base")

    @Test("The kustomization lists every manifest in its folder, and each parses")
    func kustomizationListsEveryManifest() throws {
        let kustomization = try Manifests.documents(Self.kubernetes.appendingPathComponent("kustomization.yaml")).first
        let resources = try #require(kustomization?["resources"] as? [String])
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.kubernetes.path)
            .filter { $0.hasSuffix(".yaml") && $0 != "kustomization.yaml" }
        #expect(Set(resources) == Set(files))
        for file in resources { #expect(try !Manifests.documents(Self.kubernetes.appendingPathComponent(file)).isEmpty, "\(file)") }
    }

    @Test("Each service has a Deployment, a Service selecting its pods, a ConfigMap and a migration Job")
    func everyServiceIsDeployable() throws {
        let all = try Manifests.kubernetes()
        for name in Self.services.keys.map({ "lyrica-\($0)" }) {
            let deployment = try #require(all.first(kind: "Deployment", name: name), "\(name) Deployment")
            let service = try #require(all.first(kind: "Service", name: name), "\(name) Service")
            #expect(all.first(kind: "ConfigMap", name: name) != nil, "\(name) ConfigMap")
            let podLabels = try #require(deployment.path("spec", "template", "metadata", "labels") as? [String: String])
            let selector = try #require(service.path("spec", "selector") as? [String: String])
            #expect(selector.allSatisfy { podLabels[$0.key] == $0.value }, "\(name): the Service selects no pod")
            let matchLabels = try #require(deployment.path("spec", "selector", "matchLabels") as? [String: String])
            #expect(matchLabels.allSatisfy { podLabels[$0.key] == $0.value }, "\(name): the selector misses its own pods")
            let job = try #require(all.first(kind: "Job", name: "\(name)-migrate"), "\(name) migration Job")
            let jobContainer = try #require((job.path("spec", "template", "spec", "containers") as? [[String: Any]])?.first)
            #expect(jobContainer["args"] as? [String] == ["migrate"])
            #expect(jobContainer["image"] as? String == Manifests.container(of: deployment)?["image"] as? String)
        }
    }

    @Test("Probes use the admin port; ports match the service's settings and its Service")
    func probesAndPortsAgree() throws {
        let all = try Manifests.kubernetes()
        for (short, port) in Self.services {
            let name = "lyrica-\(short)"
            let deployment = try #require(all.first(kind: "Deployment", name: name))
            let container = try #require(Manifests.container(of: deployment))
            let ports = Dictionary(uniqueKeysWithValues: ((container["ports"] as? [[String: Any]]) ?? []).map { ($0["name"] as? String ?? "", $0["containerPort"] as? Int ?? 0) })
            #expect(ports == ["rpc": port, "admin": port + 2000], "\(name)")
            for probe in ["readinessProbe", "livenessProbe", "startupProbe"] {
                #expect((container[probe] as? [String: Any]).flatMap { ($0["httpGet"] as? [String: Any])?["port"] as? String } == "admin", "\(name) \(probe)")
            }
            let settings = try #require(all.first(kind: "ConfigMap", name: name)?["data"] as? [String: String])
            #expect(settings["RPC_PORT"] == String(port) && settings["ADMIN_PORT"] == String(port + 2000), "\(name)")
            #expect(settings["MIGRATE_ON_START"] == "false", "\(name): the Job migrates")
            let servicePorts = (all.first(kind: "Service", name: name)?.path("spec", "ports") as? [[String: Any]]) ?? []
            #expect(servicePorts.contains { $0["port"] as? Int == port && $0["targetPort"] as? String == "rpc" }, "\(name)")
            let requests = (container["resources"] as? [String: Any])?["requests"] as? [String: Any]
            #expect(requests?["cpu"] != nil && requests?["memory"] != nil, "\(name): resource requests")
        }
    }

    @Test("Every secret and setting a pod reads exists")
    func referencesResolve() throws {
        let all = try Manifests.kubernetes()
        for workload in all.filter({ ["Deployment", "Job"].contains($0["kind"] as? String) }) {
            let containers = (workload.path("spec", "template", "spec", "containers") as? [[String: Any]]) ?? []
            for container in containers {
                for source in (container["envFrom"] as? [[String: Any]]) ?? [] {
                    if let map = (source["configMapRef"] as? [String: Any])?["name"] as? String {
                        #expect(all.first(kind: "ConfigMap", name: map) != nil, "ConfigMap \(map)")
                    }
                }
                for variable in (container["env"] as? [[String: Any]]) ?? [] {
                    guard let reference = (variable["valueFrom"] as? [String: Any])?["secretKeyRef"] as? [String: Any],
                        let secretName = reference["name"] as? String, let key = reference["key"] as? String
                    else { continue }
                    let secret = all.first(kind: "Secret", name: secretName)
                    #expect((secret?["stringData"] as? [String: Any])?[key] != nil, "Secret \(secretName) lacks \(key)")
                }
            }
        }
    }

    @Test("Every *_ENDPOINTS names a Service and one of its ports")
    func endpointsNameServices() throws {
        let all = try Manifests.kubernetes()
        for map in all.filter({ $0["kind"] as? String == "ConfigMap" }) {
            for (key, value) in (map["data"] as? [String: String]) ?? [:] where key.hasSuffix("_ENDPOINTS") {
                for endpoint in value.split(separator: ",") {
                    let parts = endpoint.split(separator: ":")
                    let service = all.first(kind: "Service", name: String(parts[0]))
                    let ports = (service?.path("spec", "ports") as? [[String: Any]])?.compactMap { $0["port"] as? Int } ?? []
                    #expect(parts.count == 2 && ports.contains(Int(parts[1]) ?? 0), "\(key)=\(value)")
                }
            }
        }
    }

    @Test("Stateless services autoscale; retrieval, which holds its index in memory, does not")
    func autoscalingTargetsStatelessDeployments() throws {
        let all = try Manifests.kubernetes()
        let scaled = all.filter { $0["kind"] as? String == "HorizontalPodAutoscaler" }.compactMap { $0.path("spec", "scaleTargetRef", "name") as? String }
        #expect(Set(scaled) == ["lyrica-auth", "lyrica-lyrics", "lyrica-generation", "lyrica-feedback"])
        for name in scaled { #expect(all.first(kind: "Deployment", name: name) != nil) }
    }

    @Test("compose: every service depends on what exists, and endpoints name compose services on their ports")
    func composeReferencesResolve() throws {
        let compose = try #require(try Manifests.documents(Manifests.root.appendingPathComponent("Deploy/compose/compose.yaml")).first)
        let services = try #require(compose["services"] as? [String: [String: Any]])
        for (name, service) in services {
            for dependency in ((service["depends_on"] as? [String: Any]) ?? [:]).keys { #expect(services[dependency] != nil, "\(name) → \(dependency)") }
            for (key, value) in (service["environment"] as? [String: Any]) ?? [:] where key.hasSuffix("_ENDPOINTS") {
                let parts = "\(value)".split(separator: ":")
                let target = services[String(parts[0])]
                let port = ((target?["environment"] as? [String: Any])?["RPC_PORT"]).map { "\($0)" }
                #expect(port == String(parts[1]), "\(name): \(key)=\(value)")
            }
        }
        for (name, port) in Self.services {
            #expect(((services[name]?["environment"] as? [String: Any])?["RPC_PORT"]).map { "\($0)" } == String(port), "\(name)")
        }
    }

    @Test("systemd: one template unit, and an environment file per service with its ports and database")
    func systemdUnitsAreComplete() throws {
        let unit = try String(contentsOf: Manifests.root.appendingPathComponent("Deploy/systemd/lyrica@.service"), encoding: .utf8)
        #expect(unit.contains("ExecStart=/usr/local/bin/lyrica-%i serve"))
        #expect(unit.contains("ExecStartPre=/usr/local/bin/lyrica-%i migrate"))
        #expect(unit.contains("EnvironmentFile=/etc/lyrica/%i.env"))
        for (name, port) in Self.services {
            let text = try String(contentsOf: Manifests.root.appendingPathComponent("Deploy/systemd/env/\(name).env"), encoding: .utf8)
            #expect(text.contains("RPC_PORT=\(port)\n") && text.contains("ADMIN_PORT=\(port + 2000)\n"), "\(name)")
            #expect(text.contains("DATABASE_URL=postgres://lyrica_\(name):"), "\(name)")
        }
    }
}

/// Reads YAML through PyYAML (Debian python3-yaml) as JSON: the manifests as a deployment tool sees them.
enum Manifests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func documents(_ file: URL) throws -> [[String: Any]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", "import json, sys, yaml; print(json.dumps([d for d in yaml.safe_load_all(open(sys.argv[1])) if d]))", file.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let documents = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw ManifestError(description: "\(file.path) does not parse as YAML")
        }
        return documents
    }

    /// Every Kubernetes object the kustomization includes.
    static func kubernetes() throws -> [[String: Any]] {
        let folder = root.appendingPathComponent("Deploy/kubernetes/base")
        let kustomization = try documents(folder.appendingPathComponent("kustomization.yaml")).first
        return try ((kustomization?["resources"] as? [String]) ?? []).flatMap { try documents(folder.appendingPathComponent($0)) }
    }

    static func container(of workload: [String: Any]) -> [String: Any]? {
        (workload.path("spec", "template", "spec", "containers") as? [[String: Any]])?.first
    }
}

struct ManifestError: Error, CustomStringConvertible {
    let description: String
}

extension [String: Any] {
    func path(_ keys: String...) -> Any? {
        var value: Any? = self
        for key in keys { value = (value as? [String: Any])?[key] }
        return value
    }
}

extension [[String: Any]] {
    func first(kind: String, name: String) -> [String: Any]? {
        self.first { $0["kind"] as? String == kind && $0.path("metadata", "name") as? String == name }
    }
}
