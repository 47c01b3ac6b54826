import Foundation
import LyricaRPC
import Testing
import TestSupport

/// The `lyrica` executable against a real server over TCP.
@Suite("lyrica CLI", .timeLimit(.minutes(1)))
struct CLITests {
    @Test("list prints the services a server serves")
    func list() async throws {
        try await withRunningServer { server in
            let output = try CLIProcess.run(["list", "\(server.endpoint)"])
            #expect(output.status == 0)
            #expect(output.stdout.split(separator: "\n") == [
                "lyrica.echo.v1.EchoService", "lyrica.health.v1.Health", "lyrica.reflection.v1.ServerReflection",
            ])
        }
    }

    @Test("list SERVICE prints its methods")
    func listMethods() async throws {
        try await withRunningServer { server in
            let output = try CLIProcess.run(["list", "\(server.endpoint)", "lyrica.health.v1.Health"])
            #expect(output.stdout.split(separator: "\n") == ["lyrica.health.v1.Health.Check", "lyrica.health.v1.Health.Watch"])
        }
    }

    @Test("describe prints a service's methods from reflection")
    func describeService() async throws {
        try await withRunningServer { server in
            let output = try CLIProcess.run(["describe", "\(server.endpoint)", "lyrica.echo.v1.EchoService"])
            #expect(output.status == 0)
            #expect(output.stdout.contains("rpc Expand(.lyrica.echo.v1.EchoRequest) returns (stream .lyrica.echo.v1.EchoResponse);"))
        }
    }

    @Test("describe of a method prints its request and response messages")
    func describeMethod() async throws {
        try await withRunningServer { server in
            let output = try CLIProcess.run(["describe", "\(server.endpoint)", "lyrica.echo.v1.EchoService/Get"])
            #expect(output.status == 0)
            #expect(output.stdout.contains("message EchoRequest {"))
            #expect(output.stdout.contains("uint32 delay_millis = 4;"))
        }
    }

    @Test("call sends JSON and prints the JSON response")
    func callUnary() async throws {
        try await withRunningServer { server in
            let output = try CLIProcess.run([
                "call", "\(server.endpoint)", "/lyrica.echo.v1.EchoService/Get", "-d", #"{"text": "hello"}"#, "--format", "json",
            ])
            #expect(output.status == 0)
            #expect(output.stdout == #"{"text":"hello"}"# + "\n")
        }
    }

    @Test("call reads the request from standard input with -d @-")
    func callFromStdin() async throws {
        try await withRunningServer { server in
            let output = try CLIProcess.run(
                ["call", "\(server.endpoint)", "lyrica.echo.v1.EchoService/Get", "-d", "@-", "--format", "json"], stdin: #"{"text":"piped"}"#)
            #expect(output.stdout == #"{"text":"piped"}"# + "\n")
        }
    }

    @Test("call sends -H metadata")
    func callWithMetadata() async throws {
        try await withRunningServer { server in
            // EchoService echoes x-echo-header back as a response header; the call still succeeds.
            let output = try CLIProcess.run([
                "call", "\(server.endpoint)", "/lyrica.echo.v1.EchoService/Get", "-H", "x-echo-header: yes", "--format", "json",
            ])
            #expect(output.status == 0)
        }
    }

    @Test("call prints a streaming response one JSON object per line")
    func callServerStreaming() async throws {
        try await withRunningServer { server in
            let output = try CLIProcess.run(["call", "\(server.endpoint)", "/lyrica.echo.v1.EchoService/Expand", "-d", #"{"text":"a b c"}"#])
            #expect(output.stdout.split(separator: "\n") == [#"{"text":"a"}"#, #"{"text":"b","index":1}"#, #"{"text":"c","index":2}"#])
        }
    }

    @Test("call streams several JSON objects to a client-streaming method")
    func callClientStreaming() async throws {
        try await withRunningServer { server in
            let output = try CLIProcess.run([
                "call", "\(server.endpoint)", "/lyrica.echo.v1.EchoService/Collect", "-d", #"{"text":"one"} {"text":"two"}"#, "--format", "json",
            ])
            #expect(output.stdout == #"{"text":"one two","index":2}"# + "\n")
        }
    }

    @Test("A failed call prints the status and exits with 64 + its code")
    func callErrorExitCode() async throws {
        try await withRunningServer { server in
            let output = try CLIProcess.run(["call", "\(server.endpoint)", "/lyrica.health.v1.Health/Check", "-d", #"{"service":"nope"}"#])
            #expect(output.status == 64 + 5)
            #expect(output.stderr.contains("Code: NOT_FOUND"))
        }
    }

    @Test("A deadline that passes exits with 64 + DEADLINE_EXCEEDED")
    func callTimeout() async throws {
        try await withRunningServer { server in
            let output = try CLIProcess.run([
                "call", "\(server.endpoint)", "/lyrica.echo.v1.EchoService/Get", "-d", #"{"delay_millis": 2000}"#, "--timeout", "0.1",
            ])
            #expect(output.status == 64 + 4)
        }
    }

    @Test("Bad JSON is INVALID_ARGUMENT before anything is sent")
    func callBadJSON() async throws {
        try await withRunningServer { server in
            let output = try CLIProcess.run(["call", "\(server.endpoint)", "/lyrica.echo.v1.EchoService/Get", "-d", #"{"nope": 1}"#])
            #expect(output.status == 64 + 3)
            #expect(output.stderr.contains("lyrica.echo.v1.EchoRequest"))
        }
    }

    @Test("bench runs a fixed number of calls and counts them by status")
    func bench() async throws {
        try await withRunningServer { server in
            let output = try CLIProcess.run([
                "bench", "\(server.endpoint)", "/lyrica.echo.v1.EchoService/Get", "-d", #"{"text":"x"}"#,
                "--concurrency", "8", "--connections", "2", "--total", "400", "--format", "json",
            ])
            #expect(output.status == 0)
            let report = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
            #expect(report["calls"] as? Int == 400)
            #expect((report["statusCodes"] as? [String: Int]) == ["OK": 400])
            let latency = try #require(report["latencyMicros"] as? [String: Double])
            #expect(latency["p50"]! > 0 && latency["p50"]! <= latency["p99"]!)
        }
    }

    @Test("bench of failing calls counts them and says why, with the first message per status")
    func benchReportsWhyCallsFail() async throws {
        try await withRunningServer { server in
            let output = try CLIProcess.run([
                "bench", "\(server.endpoint)", "/lyrica.echo.v1.EchoService/Get", "-d", #"{"text":"x","delayMillis":70000}"#,
                "--total", "20", "--format", "json",
            ])
            let report = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any], "\(output.stderr)")
            #expect((report["statusCodes"] as? [String: Int]) == ["INVALID_ARGUMENT": 20])
            let errors = try #require(report["firstErrors"] as? [String: String])
            #expect(errors["INVALID_ARGUMENT"]?.contains("delay_millis is 70000") == true)
        }
    }

    @Test("bench given several request messages sends them in turn")
    func benchRotatesMessages() async throws {
        try await withRunningServer { server in
            let output = try CLIProcess.run([
                "bench", "\(server.endpoint)", "/lyrica.echo.v1.EchoService/Get",
                "-d", #"{"text":"fine"}"# + "\n" + #"{"text":"refused","delayMillis":70000}"#,
                "--concurrency", "4", "--total", "40", "--format", "json",
            ])
            let report = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any], "\(output.stderr)")
            #expect((report["statusCodes"] as? [String: Int]) == ["OK": 20, "INVALID_ARGUMENT": 20])
        }
    }

    @Test("bench of a streaming method counts messages")
    func benchStreaming() async throws {
        try await withRunningServer { server in
            let output = try CLIProcess.run([
                "bench", "\(server.endpoint)", "/lyrica.echo.v1.EchoService/Update", "--stream-messages", "5",
                "--concurrency", "4", "--total", "40", "--format", "json",
            ])
            let report = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
            #expect(report["calls"] as? Int == 40)
            #expect(report["messages"] as? Int == 200)
        }
    }

    @Test("bench with --rps keeps to the rate")
    func benchOpenLoop() async throws {
        try await withRunningServer { server in
            let output = try CLIProcess.run([
                "bench", "\(server.endpoint)", "/lyrica.echo.v1.EchoService/Get", "--rps", "200", "--duration", "1s",
                "--concurrency", "4", "--format", "json",
            ])
            let report = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
            let calls = try #require(report["calls"] as? Int)
            #expect((150...201).contains(calls))
        }
    }
}

/// The `lyrica-echo` executable as an operator runs it.
@Suite("lyrica-echo", .timeLimit(.minutes(1)))
struct EchoServerProcessTests {
    @Test("lyrica-echo serves until SIGTERM and then exits cleanly")
    func servesAndStopsOnSigterm() async throws {
        let port = try TestPorts.unused()
        let process = Process()
        process.executableURL = builtExecutable("lyrica-echo")
        process.arguments = ["--port", "\(port)", "--log-level", "error"]
        try process.run()
        var answered = false
        for _ in 0..<100 where !answered {
            let output = try CLIProcess.run(["call", "127.0.0.1:\(port)", "/lyrica.health.v1.Health/Check", "--format", "json"])
            answered = output.status == 0 && output.stdout.contains("SERVING")
            if !answered { try await Task.sleep(nanoseconds: 50_000_000) }
        }
        #expect(answered)
        process.terminate()  // SIGTERM
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
    }
}
