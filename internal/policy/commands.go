package policy

// Class says how a cargo subcommand is run.
type Class struct {
	// Fetch: run the fetch phase first when the planner finds downloads
	// missing, then run the command offline.
	Fetch bool
	// Networked: the command itself only manages dependencies and runs as a
	// networked phase that executes no build code (sanitized config, cwd
	// outside the workspace).
	Networked bool
	// WriteSources: the command edits the workspace (fmt, fix, …); .git
	// stays read-only.
	WriteSources bool
	// WriteManifest: the command edits Cargo.toml and Cargo.lock only.
	WriteManifest bool
	// WriteLock: the command may write Cargo.lock.
	WriteLock bool
	// NoWorkspace: the command does not need a workspace (search, new…).
	NoWorkspace bool
	// CreatesPackage: new/init write the directory that receives the package.
	CreatesPackage bool
	// InstallRecords: cargo opens its install records for writing (cargo
	// install --list, cargo uninstall).
	InstallRecords bool
}

// Commands is airlock's policy per cargo subcommand, as data. Subcommands not
// listed run offline with read-only sources (see Unknown).
var Commands = map[string]Class{
	"build":   {Fetch: true},
	"check":   {Fetch: true},
	"test":    {Fetch: true},
	"run":     {Fetch: true},
	"bench":   {Fetch: true},
	"clippy":  {Fetch: true},
	"doc":     {Fetch: true},
	"rustc":   {Fetch: true},
	"rustdoc": {Fetch: true},
	"fix":     {Fetch: true, WriteSources: true},
	"package": {Fetch: true},
	// publish: the verification build runs as `cargo package` offline,
	// the upload as a separate networked step that builds nothing.
	"publish": {Fetch: true},
	// miri builds the standard library from rust-src for its sysroot.
	"miri":  {Fetch: true},
	"fmt":   {WriteSources: true},
	"clean": {},

	"fetch":             {Networked: true, WriteLock: true},
	"update":            {Networked: true, WriteLock: true},
	"generate-lockfile": {Networked: true, WriteLock: true},
	"add":               {Networked: true, WriteLock: true, WriteManifest: true},
	"remove":            {Networked: true, WriteLock: true, WriteManifest: true},
	"tree":              {Networked: true, WriteLock: true},
	"metadata":          {Networked: true, WriteLock: true},
	"vendor":            {Networked: true, WriteLock: true},
	"search":            {Networked: true, NoWorkspace: true},
	"info":              {Networked: true, NoWorkspace: true},

	"new":  {WriteSources: true, NoWorkspace: true, CreatesPackage: true},
	"init": {WriteSources: true, NoWorkspace: true, CreatesPackage: true},

	"locate-project": {},
	"pkgid":          {},
	"verify-project": {},
	"read-manifest":  {},
	"version":        {NoWorkspace: true},
	"uninstall":      {NoWorkspace: true, InstallRecords: true},
	"help":           {NoWorkspace: true},
}

// Unknown is the class of a subcommand airlock cannot classify (third-party
// cargo-* plugins and new cargo commands): offline, read-only sources, and a
// workspace only if there is one.
var Unknown = Class{NoWorkspace: true}

// ClassOf returns the class of a canonical subcommand, and whether it is known.
func ClassOf(sub string) (Class, bool) {
	c, ok := Commands[sub]
	if !ok {
		return Unknown, false
	}
	return c, true
}
