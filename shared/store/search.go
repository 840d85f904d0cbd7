package store

import (
	"fmt"
	"regexp"
	"strings"
)

// ContactSearch is a search of the firm's contacts.
type ContactSearch struct {
	Query string
	// Kind keeps people or companies only ("" for both).
	Kind string
	// WithArchived finds archived contacts too (a matter's client).
	WithArchived bool
	// OnMatter finds only contacts on some matter (a matter's client),
	// from the terms' partial index of those (migration 00027).
	OnMatter bool
	// Ordered is a search whose caller lists the contacts by name, a page
	// at a time (see the head index, migration 00013).
	Ordered bool
	// ByID is a search whose caller pages the contacts by ID (the REST
	// API): it selects contact_id alone, in ID order where an index has it
	// so (migration 00023).
	ByID bool
}

// ContactSearchSQL selects the contact_id and sort_name of the firm
// (@firm) contacts a search finds (not archived ones unless asked): those with a word of their name or an email address starting with
// each word typed ("ann sm" finds Ann Smith; "smith.law" and "@smith.law"
// find ann@smith.law), or, for a number, a phone number containing its
// digits (at least three, so "5550123", "(415) 555-0123" and "+14155550123"
// all find +14155550123). It adds its arguments to args and returns "" when
// the query holds nothing to search by. Each word is one range of the
// contact_terms index (see migration 00007), whatever the firm's size; a
// query of one or two letters matches the start of the name.
func ContactSearchSQL(cs ContactSearch, args map[string]any) string {
	words := searchWords(cs.Query)
	if len(words) == 0 {
		return ""
	}
	ofKind, contactInUse, termInUse := "", " AND archived_at IS NULL", " AND NOT archived"
	if cs.Kind != "" {
		args["kind"], ofKind = cs.Kind, " AND kind = @kind"
	}
	if cs.WithArchived {
		contactInUse, termInUse = "", ""
	}
	if cs.OnMatter {
		contactInUse, termInUse = contactInUse+" AND matter_ids <> '{}'", termInUse+" AND on_matter"
	}
	if len(words) == 1 && len([]rune(words[0])) < 3 && !strings.HasPrefix(words[0], "#") {
		// One or two letters start thousands of words in a big firm: the
		// start of the name instead, a range of the name index read in
		// order.
		args["name_from"], args["name_to"] = PrefixRange(words[0])
		return `SELECT id AS contact_id, sort_name FROM contacts
			WHERE firm_id = @firm AND sort_name >= @name_from AND sort_name < @name_to` + ofKind + contactInUse
	}
	if w := words[0]; (cs.Ordered || cs.ByID) && len(words) == 1 && !strings.HasPrefix(w, "#") && len([]rune(w)) <= headWordMax {
		// The bucket of the word's first three characters, read in the
		// list's order (by name, or by ID: contact_terms_head_id_idx) until
		// the page is full (DISTINCT in the index's order). A longer word
		// finds few contacts, whose range is cheaper to sort than its
		// bucket (all of "ann" for "annabelle") is to read.
		// The word is tested with left(), not as a range, so the planner
		// cannot take the term index, sort every match and cut the page
		// after (as its estimates of a prefix's matches would have it).
		args["head"], args["word"], args["word_len"] = string([]rune(w)[:3]), w, len([]rune(w))
		cols := "sort_name, contact_id"
		if cs.ByID {
			cols = "contact_id"
		}
		return `SELECT DISTINCT ` + cols + ` FROM contact_terms
			WHERE firm_id = @firm AND head = @head AND left(term, @word_len) = @word` + ofKind + termInUse
	}
	parts := make([]string, len(words))
	for i, w := range words {
		name := fmt.Sprintf("term%d", i)
		args[name+"_from"], args[name+"_to"] = PrefixRange(w)
		parts[i] = `SELECT contact_id, sort_name FROM contact_terms
			WHERE firm_id = @firm AND term >= @` + name + `_from AND term < @` + name + `_to` + ofKind + termInUse
	}
	if len(parts) == 1 {
		return strings.Replace(parts[0], "SELECT", "SELECT DISTINCT", 1)
	}
	return strings.Join(parts, " INTERSECT ")
}

// headWordMax is the longest word a name-ordered search reads from its
// head bucket (see ContactSearchSQL).
const headWordMax = 4

// searchWords is what a search looks up: a phone number typed in any
// format as its digits, else each word, lower-cased.
func searchWords(query string) []string {
	q := strings.ToLower(strings.TrimSpace(query))
	if phoneish.MatchString(q) {
		if d := OnlyDigits(q); len(d) >= 3 {
			return []string{"#" + d} // see migration 00007
		}
	}
	var words []string
	for _, w := range strings.Fields(q) {
		// "@smith.law" is typed for the domain, a term of its own; '#'
		// marks numbers.
		if w = strings.TrimLeft(w, "@#"); w != "" {
			words = append(words, w)
		}
	}
	return words
}

// PrefixRange is the range of the strings that start with prefix, for a
// column that sorts by code point (COLLATE "C"): [prefix, prefix+U+10FFFF).
// Unlike LIKE 'prefix%', a range with parameters is read from a btree
// index in a prepared statement's generic plan too.
func PrefixRange(prefix string) (from, to string) {
	return prefix, prefix + "\U0010FFFF"
}

// phoneish is a query that can only be (part of) a phone number.
var phoneish = regexp.MustCompile(`^[0-9+().\s-]+$`)
