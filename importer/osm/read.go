package osm

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/paulmach/orb"
	posm "github.com/paulmach/osm"
)

// Formats.
const (
	FormatXML   = "osm-xml"
	FormatPBF   = "osm-pbf"
	FormatXMLGz = "osm-xml+gzip"
)

// Extensions lists the file name endings the importer accepts.
var Extensions = []string{".osm", ".osm.pbf", ".osm.gz"}

// Supported reports whether a file name has an OSM extension (.osm,
// .osm.pbf, .pbf, .osm.gz). The format itself is detected from the content.
func Supported(path string) bool {
	p := strings.ToLower(path)
	for _, ext := range []string{".osm", ".osm.pbf", ".pbf", ".osm.gz"} {
		if strings.HasSuffix(p, ext) {
			return true
		}
	}
	return false
}

// sniff detects the format of r from its first bytes: gzip (then sniffs
// inside), XML ('<' after optional BOM and white space) or PBF (a blob
// header of type OSMHeader).
func sniff(r io.Reader) (format string, body io.Reader, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(64)
	if err != nil && !errors.Is(err, io.EOF) {
		return "", nil, err
	}
	if len(head) == 0 {
		return "", nil, errors.New("empty file")
	}
	if len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return "", nil, fmt.Errorf("gzip: %w", err)
		}
		f, inner, err := sniff(zr)
		if err != nil {
			return "", nil, err
		}
		if f != FormatXML {
			return "", nil, errors.New("gzip-compressed file is not OSM XML")
		}
		return FormatXMLGz, inner, nil
	}
	t := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(t) > 0 && t[0] == '<' {
		return FormatXML, br, nil
	}
	// PBF: 4-byte big-endian header length, then a BlobHeader whose first
	// field (1, string) is "OSMHeader".
	if len(head) >= 15 && head[4] == 0x0a && head[5] == 9 && string(head[6:15]) == "OSMHeader" {
		return FormatPBF, br, nil
	}
	return "", nil, errors.New("not an OSM XML or PBF file")
}

type wayRec struct {
	nodes []posm.NodeID
	tags  posm.Tags // only when the way matches a rule
}

type relRec struct {
	id      posm.RelationID
	tags    posm.Tags
	members posm.Members
}

type nodeRec struct {
	id   posm.NodeID
	tags posm.Tags
	pt   orb.Point
}

// data is what a scan keeps: every node location and way (relations need
// them), and the elements some rule matches.
type data struct {
	coords  map[posm.NodeID]orb.Point
	ways    map[posm.WayID]*wayRec
	nodes   []nodeRec
	wayIDs  []posm.WayID // ways that match a rule
	rels    []relRec
	objects int64
}

// round7 rounds a coordinate to 1e-7 degree, the precision of OSM itself,
// so XML (decimal text) and PBF (scaled integers) give the same float64.
func round7(v float64) float64 { return math.Round(v*1e7) / 1e7 }

type scanner interface {
	Scan() bool
	Object() posm.Object
	Err() error
	Close() error
}

// scan reads the whole file into data. A PBF cut exactly at a block
// boundary cannot be told from a complete file (the format has no end
// marker); any other truncation is an error. progress, when set, is called with
// the number of objects read since its previous call.
func scan(ctx context.Context, format string, r io.Reader, m *Mapping, progress func(int)) (*data, error) {
	var sc scanner
	switch format {
	case FormatPBF:
		sc = newPBFScanner(ctx, r)
	default:
		sc = newXMLScanner(ctx, r)
	}
	defer sc.Close()
	d := &data{coords: map[posm.NodeID]orb.Point{}, ways: map[posm.WayID]*wayRec{}}
	pending := 0
	for sc.Scan() {
		switch o := sc.Object().(type) {
		case *posm.Node:
			if !(o.Lat >= -90 && o.Lat <= 90 && o.Lon >= -180 && o.Lon <= 180) { // NaN too
				return nil, fmt.Errorf("node %d: lat %v lon %v is not a position on Earth", o.ID, o.Lat, o.Lon)
			}
			pt := orb.Point{round7(o.Lon), round7(o.Lat)}
			d.coords[o.ID] = pt
			if len(o.Tags) > 0 && m.interesting(o.Tags) {
				d.nodes = append(d.nodes, nodeRec{id: o.ID, tags: o.Tags, pt: pt})
			}
		case *posm.Way:
			w := &wayRec{nodes: make([]posm.NodeID, len(o.Nodes))}
			for i, wn := range o.Nodes {
				w.nodes[i] = wn.ID
			}
			if len(o.Tags) > 0 && m.interesting(o.Tags) {
				w.tags = o.Tags
				d.wayIDs = append(d.wayIDs, o.ID)
			}
			d.ways[o.ID] = w
		case *posm.Relation:
			if len(o.Tags) > 0 && m.interesting(o.Tags) {
				d.rels = append(d.rels, relRec{id: o.ID, tags: o.Tags, members: o.Members})
			}
		default:
			continue
		}
		d.objects++
		pending++
		if progress != nil && pending >= 10000 {
			progress(pending)
			pending = 0
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := sc.Err(); err != nil {
		var se *xml.SyntaxError
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
			errors.As(err, &se) && strings.Contains(se.Msg, "unexpected EOF") {
			return nil, fmt.Errorf("file is truncated: %w", err)
		}
		return nil, fmt.Errorf("corrupt %s data: %w", format, err)
	}
	if progress != nil && pending > 0 {
		progress(pending)
	}
	if d.objects == 0 {
		return nil, errors.New("no OSM nodes, ways or relations in the file")
	}
	return d, nil
}

// xmlScanner reads the nodes, ways and relations of OSM XML like
// osmxml.Scanner, and refuses a node without a lat or lon attribute, which
// osmxml reads as 0 (a node on the equator or at 0,0).
type xmlScanner struct {
	ctx context.Context
	dec *xml.Decoder
	obj posm.Object
	err error
}

func newXMLScanner(ctx context.Context, r io.Reader) *xmlScanner {
	return &xmlScanner{ctx: ctx, dec: xml.NewDecoder(r)}
}

func (s *xmlScanner) Scan() bool {
	for s.err == nil {
		if s.err = s.ctx.Err(); s.err != nil {
			break
		}
		t, err := s.dec.Token()
		if err != nil {
			s.err = err
			break
		}
		se, ok := t.(xml.StartElement)
		if !ok {
			continue
		}
		switch strings.ToLower(se.Name.Local) {
		case "node":
			n := &posm.Node{}
			if s.err = s.dec.DecodeElement(n, &se); s.err == nil {
				s.err = hasPosition(n, se.Attr)
			}
			s.obj = n
		case "way":
			w := &posm.Way{}
			s.err = s.dec.DecodeElement(w, &se)
			s.obj = w
		case "relation":
			rel := &posm.Relation{}
			s.err = s.dec.DecodeElement(rel, &se)
			s.obj = rel
		default:
			continue
		}
		return s.err == nil
	}
	return false
}

// hasPosition checks that a node's element has both lat and lon.
func hasPosition(n *posm.Node, attrs []xml.Attr) error {
	var lat, lon bool
	for _, a := range attrs {
		lat = lat || a.Name.Local == "lat"
		lon = lon || a.Name.Local == "lon"
	}
	switch {
	case !lat && !lon:
		return fmt.Errorf("node %d has no lat and lon", n.ID)
	case !lat:
		return fmt.Errorf("node %d has no lat", n.ID)
	case !lon:
		return fmt.Errorf("node %d has no lon", n.ID)
	}
	return nil
}

func (s *xmlScanner) Object() posm.Object { return s.obj }

// Err is the first error but io.EOF (the end of the file).
func (s *xmlScanner) Err() error {
	if s.err == io.EOF {
		return nil
	}
	return s.err
}

func (s *xmlScanner) Close() error { return nil }
