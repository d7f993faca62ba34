package e2e

import (
	"os"
	"strings"
	"testing"
)

func TestPublishVerifiesOfflineAndUploadsWithoutBuilding(t *testing.T) {
	e := newEnv(t)
	e.write(e.cargoHome, map[string]string{
		"config.toml":      e.reg.CargoConfig() + "\n[registries.testreg]\nindex = \"" + e.reg.IndexURL() + "\"\n",
		"credentials.toml": "[registries.testreg]\ntoken = \"airlock-test-token\"\n",
	})
	ws := e.project("pubme", map[string]string{
		"Cargo.toml": "[package]\nname = \"pubme\"\nversion = \"0.1.0\"\nedition = \"2021\"\n" +
			"description = \"test\"\nlicense = \"MIT\"\n",
		"src/lib.rs": "pub fn f() {}\n",
		// The verification build runs this: no network, no credentials.
		"build.rs": `use std::io::Write;
fn main() {
    let creds = std::fs::read_to_string("` + e.cargoHome + `/credentials.toml");
    println!("cargo:warning=credentials readable: {}", creds.is_ok());
    let tcp = std::net::TcpStream::connect("` + e.reg.Addr + `")
        .and_then(|mut s| s.write_all(b"GET /attack/publish HTTP/1.0\r\n\r\n"));
    println!("cargo:warning=network reachable: {}", tcp.is_ok());
}
`,
	})
	r := e.mustRun(ws, "cargo", "publish", "--registry", "testreg")
	if !hasRequest(e.reg.Requests(), "PUT /api/v1/crates/new") {
		t.Fatalf("nothing was uploaded: %v\n%s", e.reg.Requests(), r)
	}
	if !strings.Contains(r.stderr, "credentials readable: false") || !strings.Contains(r.stderr, "network reachable: false") {
		t.Fatalf("the verification build did not run sandboxed:\n%s", r)
	}
	if len(e.requestsMatching("/attack/")) != 0 {
		t.Fatalf("the build script reached the registry: %v", e.reg.Requests())
	}
	// The upload step built nothing: the build script ran exactly once.
	if n := strings.Count(r.stderr, "credentials readable"); n != 1 {
		t.Errorf("the build script ran %d times, want once (the offline verification)", n)
	}

	// --dry-run: verification only, no upload.
	e.reg.ResetLog()
	e.write(ws, map[string]string{"Cargo.toml": strings.Replace(mustRead(t, ws+"/Cargo.toml"), "0.1.0", "0.2.0", 1)})
	r = e.mustRun(ws, "cargo", "publish", "--registry", "testreg", "--dry-run", "--allow-dirty")
	if hasRequest(e.reg.Requests(), "PUT") {
		t.Fatalf("--dry-run uploaded:\n%s", r)
	}
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
