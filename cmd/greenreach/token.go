package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/greenreach/greenreach/store"
)

// tokenVerbs: greenreach token create --name N --role R [--unit U] | list
// [--json] | revoke ID. A token of role unit speaks for one unit (--unit,
// its code) and acts only on that unit's cases. The secret is printed once, at creation; the store keeps
// only its SHA-256.
var tokenVerbs = &verbs{
	name:    "token",
	example: "greenreach token create --name alice --role planner",
	help: "usage: greenreach [--db DSN] token create|list|revoke [flags]\n\n" +
		"  create --name NAME --role planner|auditor|admin|inspector|dispatcher|unit [--unit CODE] [--if-none]\n" +
		"  list [--json]\n  revoke ID\n\n'greenreach token SUBCOMMAND -h' for a subcommand's flags.\n",
	verbs: []verb{{"create", tokenCreate}, {"list", tokenList}, {"revoke", tokenRevoke}},
}

func tokenCreate(ctx context.Context, cfg *config, args []string) error {
	fs := flags(cfg, "token create", "--name NAME --role planner|auditor|admin|inspector|dispatcher|unit [--unit CODE] [--if-none]")
	name := fs.String("name", "", "who or what holds the token (shown as the author of their scenarios)")
	role := fs.String("role", "", "planner, auditor or admin; inspector, dispatcher or unit (cases)")
	unit := fs.String("unit", "", "for --role unit: the code of the unit the token speaks for (e.g. U01)")
	ifNone := fs.Bool("if-none", false, "do nothing when an unrevoked token of this name exists")
	if err := parse(fs, args); err != nil {
		return err
	}
	*name = strings.TrimSpace(*name)
	if *name == "" || len(*name) > 100 {
		return usageError{"--name is required (1–100 characters)"}
	}
	roles := append(slices.Clone(store.Roles), store.CaseRoles...)
	if !slices.Contains(roles, *role) {
		return usageError{fmt.Sprintf("--role %q: want %s", *role, strings.Join(roles, ", "))}
	}
	if e := unitFlag(*role, *unit); e != "" {
		return usageError{e}
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if *ifNone {
		list, err := st.ListTokens(ctx)
		if err != nil {
			return err
		}
		for _, t := range list {
			if t.Name == *name && t.Revoked == nil {
				fmt.Fprintf(cfg.stderr, "token %d %q (%s) exists; its secret was shown when it was made (revoke it and create another if lost)\n", t.ID, t.Name, t.Role)
				return nil
			}
		}
	}
	secret, hash := store.NewToken()
	t := &store.Token{Name: *name, Role: *role, Unit: *unit, Hash: hash}
	if err := st.CreateToken(ctx, t); err != nil {
		return fmt.Errorf("creating the token: %w", err)
	}
	cfg.log.Info("token created", "token", t.Name, "role", t.Role, "id", t.ID, "db", cfg.DB)
	if t.Unit != "" {
		fmt.Fprintf(cfg.stderr, "token %d speaks for unit %s\n", t.ID, t.Unit)
	}
	fmt.Fprintf(cfg.stderr, "token %d for %q, role %s; send it as Authorization: Bearer <token>. It is shown only now:\n", t.ID, t.Name, t.Role)
	fmt.Fprintln(cfg.stdout, secret)
	return nil
}

// unitFlag checks --unit against --role: a unit token names its unit (a
// short code of letters, digits, - and _), no other token does.
func unitFlag(role, unit string) string {
	if role != store.RoleUnit {
		if unit != "" {
			return "--unit is only for --role unit"
		}
		return ""
	}
	if unit == "" || len(unit) > store.MaxUnitLen || strings.Trim(unit, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		return fmt.Sprintf("--role unit needs --unit CODE: 1–%d letters, digits, - or _ (got %q)", store.MaxUnitLen, unit)
	}
	return ""
}

func tokenList(ctx context.Context, cfg *config, args []string) error {
	fs := flags(cfg, "token list", "[--json]")
	asJSON := fs.Bool("json", false, "as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	st, err := openExisting(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	list, err := st.ListTokens(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		type tj struct {
			ID      int64   `json:"id"`
			Name    string  `json:"name"`
			Role    string  `json:"role"`
			Unit    string  `json:"unit,omitempty"`
			Created string  `json:"created"`
			Revoked *string `json:"revoked"`
		}
		out := []tj{}
		for _, t := range list {
			j := tj{ID: t.ID, Name: t.Name, Role: t.Role, Unit: t.Unit, Created: t.Created.Format("2006-01-02T15:04:05Z")}
			if t.Revoked != nil {
				r := t.Revoked.Format("2006-01-02T15:04:05Z")
				j.Revoked = &r
			}
			out = append(out, j)
		}
		return cfg.printJSON(out)
	}
	tw := tabwriter.NewWriter(cfg.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "id\tname\trole\tunit\tcreated\trevoked")
	for _, t := range list {
		rev := "-"
		if t.Revoked != nil {
			rev = t.Revoked.Format("2006-01-02 15:04")
		}
		unit := cmp.Or(t.Unit, "-")
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, unit, t.Created.Format("2006-01-02 15:04"), rev)
	}
	return tw.Flush()
}

func tokenRevoke(ctx context.Context, cfg *config, args []string) error {
	fs := flags(cfg, "token revoke", "ID")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"give the id of the token to revoke (greenreach token list)"}
	}
	id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
	if err != nil || id < 1 {
		return usageError{fmt.Sprintf("%q is not a token id", fs.Arg(0))}
	}
	st, err := openExisting(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	// Its name, for the log line.
	name := ""
	if list, err := st.ListTokens(ctx); err == nil {
		for _, t := range list {
			if t.ID == id {
				name = t.Name
			}
		}
	}
	if err := st.RevokeToken(ctx, id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no token %d", id)
		}
		return err
	}
	cfg.log.Info("token revoked", "token", name, "id", id, "db", cfg.DB)
	fmt.Fprintf(cfg.stderr, "token %d revoked (a running service stops accepting it within 30 s)\n", id)
	return nil
}
