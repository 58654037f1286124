package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/greenreach/greenreach/store"
)

// maxUnitsFile bounds a units CSV: MaxUnits rows of MaxUnitText characters
// in four fields fit in it many times over.
const maxUnitsFile = 16 << 20

// unitKindNames reads a kind as bureaus write it, in Chinese or English.
var unitKindNames = map[string]string{
	"养护单位": store.UnitMaintenance, "养护公司": store.UnitMaintenance, "maintenance": store.UnitMaintenance,
	"街道办": store.UnitStreetOffice, "街道办事处": store.UnitStreetOffice, "街道": store.UnitStreetOffice, "street_office": store.UnitStreetOffice,
	"社区": store.UnitCommunity, "社区居委会": store.UnitCommunity, "community": store.UnitCommunity,
	"物业": store.UnitProperty, "物业公司": store.UnitProperty, "property": store.UnitProperty,
}

// unitsVerbs: greenreach units list [--json] | import FILE.csv. Units are
// the responsible units (责任单位) zones and cases name by id.
var unitsVerbs = &verbs{
	name:    "units",
	example: "greenreach units import units.csv",
	help: "usage: greenreach [--db DSN] units list|import [flags]\n\n" +
		"  list [--json]\n  import FILE.csv   columns id,name,kind,phone,person (a header row first);\n" +
		"                    kind: maintenance 养护单位, street_office 街道办, community 社区, property 物业.\n" +
		"                    Adds units and replaces those of the same id, all or nothing.\n",
	verbs: []verb{{"list", unitsList}, {"import", unitsImport}},
}

func unitsList(ctx context.Context, cfg *config, args []string) error {
	fs := flags(cfg, "units list", "[--json]")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	st, err := openExisting(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	us, err := st.ListUnits(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		type unitJSON struct {
			ID     string `json:"id"`
			Name   string `json:"name"`
			Kind   string `json:"kind"`
			Phone  string `json:"phone"`
			Person string `json:"person"`
		}
		out := make([]unitJSON, len(us))
		for i, u := range us {
			out[i] = unitJSON{u.ID, u.Name, u.Kind, u.Phone, u.Person}
		}
		return cfg.printJSON(out)
	}
	tw := tabwriter.NewWriter(cfg.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "id\tname\tkind\tphone\tperson")
	for _, u := range us {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.ID, u.Name, u.Kind, u.Phone, u.Person)
	}
	return tw.Flush()
}

func unitsImport(ctx context.Context, cfg *config, args []string) error {
	fs := flags(cfg, "units import", "FILE.csv")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"units import takes one CSV file"}
	}
	path := fs.Arg(0)
	us, err := readUnits(path)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.PutUnits(ctx, us); err != nil {
		return fmt.Errorf("%s: %w (no unit written)", path, err)
	}
	cfg.log.Info("units imported", "file", path, "units", len(us), "db", cfg.DB)
	fmt.Fprintf(cfg.stdout, "%d units from %s into %s\n", len(us), path, cfg.DB)
	return nil
}

// readUnits reads a units CSV (UTF-8, a BOM allowed): a header naming
// the columns id, name, kind, phone and person (the last two optional),
// then one unit a row.
func readUnits(path string) ([]*store.Unit, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return nil, err
	} else if fi.Size() > maxUnitsFile {
		return nil, fmt.Errorf("%s: %d bytes, more than the limit of %d for a units file", path, fi.Size(), maxUnitsFile)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxUnitsFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxUnitsFile {
		return nil, fmt.Errorf("%s: more than the limit of %d bytes for a units file", path, maxUnitsFile)
	}
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%s: not UTF-8 (save the CSV as UTF-8)", path)
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(data), "\ufeff")))
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: empty (want a header id,name,kind,phone,person)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, need := range []string{"id", "name", "kind"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("%s: the header has no column %q (want id,name,kind,phone,person)", path, need)
		}
	}
	var out []*store.Unit
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if len(out) == store.MaxUnits {
			return nil, fmt.Errorf("%s: more than %d units", path, store.MaxUnits)
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		u := &store.Unit{ID: get("id"), Name: get("name"), Kind: get("kind"), Phone: get("phone"), Person: get("person")}
		if k, ok := unitKindNames[u.Kind]; ok {
			u.Kind = k
		}
		if err := store.CheckUnit(u); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, line, err)
		}
		out = append(out, u)
	}
	if err := store.CheckUnits(out); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}
