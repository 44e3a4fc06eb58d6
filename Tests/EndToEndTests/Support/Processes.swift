import Foundation
import GantryTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `python3` serving a folder over HTTP on an ephemeral port, quietly; it exits
/// by itself if the test process goes away.
final class Mirror {
    static let script = #"""
    import functools, http.server, os, sys, threading, time
    folder, parent = sys.argv[1], int(sys.argv[2])
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args): pass
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=folder))
    server.daemon_threads = True
    def orphan_watch():
        while os.getppid() == parent: time.sleep(1)
        os._exit(0)
    threading.Thread(target=orphan_watch, daemon=True).start()
    print("serving on port %d" % server.server_address[1], flush=True)
    server.serve_forever()
    """#

    let child: Child
    let port: Int
    var baseURL: String { "http://127.0.0.1:\(port)/" }

    init(folder: URL, logDirectory: URL) throws {
        let python = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? ["/usr/bin/python3"] : ["/usr/bin/env", "python3"]
        child = try Child(label: "mirror", executable: python[0],
                          arguments: Array(python.dropFirst()) + ["-c", Self.script, folder.path, String(getpid())],
                          environment: [:], logDirectory: logDirectory)
        let (_, groups) = try child.waitForLine(matching: #"^serving on port (\d+)$"#, timeout: 20)
        port = Int(groups[0])!
    }

    func stop() { child.killNow() }
}
