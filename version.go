// Package vigil trains small BERT-style transformer classifiers for message triage on CPUs.
//
// The work is done by its packages: tokenize (WordPiece tokenizer compatible with Hugging Face's
// tokenizer.json), data (streaming corpus readers), tensor (the training engine) and the train CLI in
// cmd/train. This package holds only what identifies a build.
package vigil

import "runtime/debug"

// Version is the release of Vigil; builds from a checkout append the commit (see VersionString).
const Version = "0.1.0-dev"

// VersionString is Version plus the VCS revision and dirty flag the Go toolchain stamped into the binary,
// so a run record names the exact code that produced it.
func VersionString() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return Version
	}
	var rev, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "-dirty"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev == "" {
		return Version
	}
	return Version + "+" + rev + dirty
}
