package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
)

// verbs is a command made of verbs (token create, units import): its first
// argument picks the verb, which gets the rest.
type verbs struct {
	name    string // the command: token
	example string // a whole command line, shown when the verb is missing
	help    string // printed for -h, --help, -help and help COMMAND
	verbs   []verb
}

type verb struct {
	name string
	run  func(ctx context.Context, cfg *config, args []string) error
}

// run dispatches args: a missing or unknown verb is a usageError naming
// the verbs; -h prints the help and is flag.ErrHelp.
func (v *verbs) run(ctx context.Context, cfg *config, args []string) error {
	if len(args) == 0 {
		return usageError{fmt.Sprintf("want %s (%s)", v.names(), v.example)}
	}
	switch args[0] {
	case "-h", "-help", "--help":
		fmt.Fprint(cfg.stdout, v.help)
		return flag.ErrHelp
	}
	for _, vb := range v.verbs {
		if vb.name == args[0] {
			return vb.run(ctx, cfg, args[1:])
		}
	}
	return usageError{fmt.Sprintf("%s %q: want %s", v.name, args[0], v.names())}
}

// names lists the verbs as a sentence: "create, list or revoke".
func (v *verbs) names() string {
	n := make([]string, len(v.verbs))
	for i, vb := range v.verbs {
		n[i] = vb.name
	}
	if len(n) == 1 {
		return n[0]
	}
	return strings.Join(n[:len(n)-1], ", ") + " or " + n[len(n)-1]
}
