import Foundation
import Testing

/// Whether a Chromium to render the reports with is installed (Debian: `apt-get install chromium`;
/// not a build dependency, so CI machines without it skip the browser test and say so).
let chromiumInstalled = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
    .contains { FileManager.default.isExecutableFile(atPath: $0) }

@Suite("The report in a browser", .serialized)
struct ReportBrowserTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test("report.html at 400 px and 1400 px in headless Chromium: every chart within the window, no console message",
          .enabled(if: chromiumInstalled, "Chromium is not installed: the browser check of the report is skipped"))
    func rendersOnPhoneAndDesktop() throws {
        let f = FaultFixture.shared
        let out = f.directory + "/out-browser"
        let r = try runBinary(["run", "--population", f.population, "--customers", f.customers, "-o", out, "--quiet", "--force"])
        #expect(r.status == 0, "\(r.stderr)")
        let check = try runBinary(path: "/bin/bash", [Self.repository + "/scripts/report-check.sh", out + "/report.html"])
        let text = check.stdout + check.stderr
        #expect(check.status == 0, "\(text)")
        let lines = check.stdout.split(separator: "\n")
        #expect(lines.count == 2 && lines.allSatisfy { $0.hasSuffix(" OK") && $0.contains("charts=") }, "\(text)")
        // Every chart the page has was measured (the count is not zero because nothing rendered).
        #expect(lines.allSatisfy { !$0.contains("charts=0 ") }, "\(text)")
    }
}
