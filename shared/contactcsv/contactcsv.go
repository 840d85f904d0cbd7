// Package contactcsv reads contacts exported as CSV by Clio, Google
// Contacts or a spreadsheet into contact inputs: it finds each column's
// meaning from its header, whatever the exporter's spelling.
package contactcsv

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store/contacts"
)

// MaxRows is the most data rows one file may hold.
const MaxRows = 50_000

// Row is one data row: its line in the file (the header is line 1) and
// the contact it describes. Empty says the row had no value at all.
type Row struct {
	Line  int
	Input contacts.Input
	Empty bool
}

// ErrNoColumns is a file none of whose headers names a contact field.
var ErrNoColumns = errors.New("contactcsv: no column of this file names a contact's name, email or phone")

// field is what a column holds.
type field int

const (
	fNone field = iota
	fFirst
	fMiddle
	fLast
	fFull
	fCompany
	fTitle
	fKind
	fStatus
	fEmail
	fEmailLabel
	fPhone
	fPhoneLabel
	fStreet
	fStreet2
	fCity
	fRegion
	fPostal
	fCountry
	fAddressLabel
)

// column is a header read: its field, the group it belongs to (the "1" of
// Google's "E-mail 1 - Value", the "Work" of Clio's "Phone Number (Work)")
// and the label that group implies.
type column struct {
	f     field
	group string
	label string
}

var (
	// numbered: Google's "E-mail 2 - Value", "Address 1 - Street".
	numbered = regexp.MustCompile(`^(e-?mail|phone|address|organization)\s*(\d+)\s*-\s*(.+)$`)
	// labelled: Clio's "Email Address (Work)", "Phone Number (Mobile)",
	// "Address (Home) Street", "Work Street".
	labelled = regexp.MustCompile(`^(.*?)\s*\(([^)]*)\)\s*(.*)$`)
)

// key is a header without case, spaces or punctuation.
func key(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// plain are headers that name one field outright.
var plain = map[string]field{
	"firstname": fFirst, "givenname": fFirst, "first": fFirst,
	"middlename": fMiddle, "additionalname": fMiddle, "middle": fMiddle,
	"lastname": fLast, "familyname": fLast, "surname": fLast, "last": fLast,
	"name": fFull, "fullname": fFull, "displayname": fFull, "contactname": fFull,
	"company": fCompany, "companyname": fCompany, "organization": fCompany, "organizationname": fCompany, "organisation": fCompany,
	"title": fTitle, "jobtitle": fTitle, "organizationtitle": fTitle, "position": fTitle,
	"type": fKind, "contacttype": fKind, "kind": fKind,
	"status": fStatus,
	"email":  fEmail, "emailaddress": fEmail, "primaryemail": fEmail, "primaryemailaddress": fEmail,
	"phone": fPhone, "phonenumber": fPhone, "primaryphone": fPhone, "primaryphonenumber": fPhone, "mobile": fPhone, "mobilephone": fPhone, "cell": fPhone,
	"street": fStreet, "address": fStreet, "streetaddress": fStreet, "primaryaddressstreet": fStreet,
	"city": fCity, "primaryaddresscity": fCity,
	"state": fRegion, "province": fRegion, "region": fRegion, "primaryaddressstate": fRegion,
	"zip": fPostal, "zipcode": fPostal, "postalcode": fPostal, "postcode": fPostal, "primaryaddresszip": fPostal,
	"country": fCountry, "primaryaddresscountry": fCountry,
}

// part maps the last part of a grouped header to its field, by kind.
func part(kind, p string) field {
	p = key(p)
	switch kind {
	case "email":
		switch p {
		case "value", "", "address":
			return fEmail
		case "label", "type":
			return fEmailLabel
		}
	case "phone":
		switch p {
		case "value", "", "number":
			return fPhone
		case "label", "type":
			return fPhoneLabel
		}
	case "address":
		switch p {
		case "street", "streetaddress", "line1", "address1", "":
			return fStreet
		case "extendedaddress", "line2", "address2", "street2":
			return fStreet2
		case "city", "locality":
			return fCity
		case "region", "state", "province":
			return fRegion
		case "postalcode", "zip", "zipcode", "postcode":
			return fPostal
		case "country":
			return fCountry
		case "label", "type":
			return fAddressLabel
		}
	case "organization":
		switch p {
		case "name":
			return fCompany
		case "title":
			return fTitle
		}
	}
	return fNone
}

// kindOf names the family of a header's first part.
func kindOf(s string) string {
	switch k := key(s); {
	case strings.HasPrefix(k, "email"):
		return "email"
	case strings.HasPrefix(k, "phone"), k == "telephone":
		return "phone"
	case strings.HasPrefix(k, "address"):
		return "address"
	case strings.HasPrefix(k, "organization"):
		return "organization"
	}
	return ""
}

// classify reads one header.
func classify(h string) column {
	h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
	lower := strings.ToLower(h)
	if f, ok := plain[key(h)]; ok {
		return column{f: f}
	}
	if m := numbered.FindStringSubmatch(lower); m != nil {
		kind := kindOf(m[1])
		return column{f: part(kind, m[3]), group: kind + m[2]}
	}
	if m := labelled.FindStringSubmatch(lower); m != nil {
		kind, label := kindOf(m[1]), strings.TrimSpace(m[2])
		return column{f: part(kind, m[3]), group: kind + ":" + label, label: label}
	}
	return column{}
}

// Read reads a CSV export: a header row, then one contact per row. A
// Google export's several values in one cell (" ::: ") become several.
func Read(r io.Reader) ([]Row, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("contactcsv: read: %w", err)
	}
	raw = bytes.TrimPrefix(raw, []byte("\ufeff"))
	cr := csv.NewReader(bytes.NewReader(raw))
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, ErrNoColumns
	}
	if err != nil {
		return nil, fmt.Errorf("contactcsv: the header: %w", err)
	}
	cols := make([]column, len(header))
	known := false
	for i, h := range header {
		cols[i] = classify(h)
		switch cols[i].f {
		case fFirst, fLast, fFull, fCompany, fEmail, fPhone:
			known = true
		}
	}
	if !known {
		return nil, ErrNoColumns
	}
	var rows []Row
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, fmt.Errorf("contactcsv: line %d: %w", line, err)
		}
		if len(rows) == MaxRows {
			return nil, fmt.Errorf("contactcsv: more than %d rows; split the file", MaxRows)
		}
		rows = append(rows, rowOf(line, cols, rec))
	}
	return rows, nil
}

// rowOf builds one contact from a record.
func rowOf(line int, cols []column, rec []string) Row {
	in := contacts.Input{Kind: models.ContactPerson}
	var full, kind string
	var emails, phones groups
	var addrOrder []string
	addrs := map[string]*contacts.AddressInput{}
	empty := true
	for i, c := range cols {
		if i >= len(rec) {
			break
		}
		v := strings.TrimSpace(rec[i])
		if v == "" || c.f == fNone {
			continue
		}
		empty = false
		switch c.f {
		case fFirst:
			in.FirstName = v
		case fMiddle:
			in.MiddleName = v
		case fLast:
			in.LastName = v
		case fFull:
			full = v
		case fCompany:
			in.CompanyName = v
		case fTitle:
			in.Title = v
		case fKind:
			kind = strings.ToLower(v)
		case fStatus:
			in.Status = v
		case fEmail, fEmailLabel:
			emails.add(c, v, c.f == fEmail)
		case fPhone, fPhoneLabel:
			phones.add(c, v, c.f == fPhone)
		default:
			a := addrs[c.group]
			if a == nil {
				a = &contacts.AddressInput{Label: c.label}
				addrs[c.group] = a
				addrOrder = append(addrOrder, c.group)
			}
			switch c.f {
			case fStreet:
				a.Street = v
			case fStreet2:
				a.Street = strings.TrimSpace(a.Street + ", " + v)
			case fCity:
				a.City = v
			case fRegion:
				a.Province = v
			case fPostal:
				a.PostalCode = v
			case fCountry:
				a.Country = v
			case fAddressLabel:
				a.Label = v
			}
		}
	}
	if full != "" && in.FirstName == "" && in.LastName == "" {
		if in.CompanyName == "" && kind == "company" {
			in.CompanyName = full
		} else {
			first, last, _ := strings.Cut(full, " ")
			if i := strings.LastIndexByte(full, ' '); i > 0 {
				first, last = full[:i], full[i+1:]
			}
			in.FirstName, in.LastName = first, last
		}
	}
	if kind == "company" || (in.FirstName == "" && in.LastName == "" && in.CompanyName != "") {
		in.Kind = models.ContactCompany
	}
	emails.each(func(v, label string) { in.Emails = append(in.Emails, contacts.EmailInput{Address: v, Label: label}) })
	phones.each(func(v, label string) { in.Phones = append(in.Phones, contacts.PhoneInput{Number: v, Label: label}) })
	for _, k := range addrOrder {
		a := addrs[k]
		a.Label = cleanLabel(a.Label)
		in.Addresses = append(in.Addresses, *a)
	}
	return Row{Line: line, Input: in, Empty: empty}
}

// groups gathers a row's emails or numbers by column group ("E-mail 1",
// "Phone Number (Work)"), each group's values with its label, in column
// order.
type groups struct {
	order []string
	by    map[string]*group
}

type group struct {
	values []string
	label  string
}

// add reads one cell: values (value) or the group's label.
func (gs *groups) add(c column, v string, value bool) {
	if gs.by == nil {
		gs.by = map[string]*group{}
	}
	g := gs.by[c.group]
	if g == nil {
		g = &group{label: c.label}
		gs.by[c.group] = g
		gs.order = append(gs.order, c.group)
	}
	if value {
		g.values = append(g.values, split(v)...)
	} else {
		g.label = v
	}
}

// each calls f with every value and its label, in order.
func (gs *groups) each(f func(value, label string)) {
	for _, k := range gs.order {
		g := gs.by[k]
		for _, v := range g.values {
			f(v, cleanLabel(g.label))
		}
	}
}

// split reads Google's several values in a cell.
func split(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ":::") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// cleanLabel drops Google's "* " mark of the preferred value.
func cleanLabel(s string) string {
	return strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "*")))
}
