package contactcsv_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/contactcsv"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store/contacts"
)

func TestReadGoogleExport(t *testing.T) {
	file := "\ufeffFirst Name,Middle Name,Last Name,Organization Name,Organization Title,E-mail 1 - Label,E-mail 1 - Value,E-mail 2 - Label,E-mail 2 - Value,Phone 1 - Label,Phone 1 - Value,Address 1 - Label,Address 1 - Street,Address 1 - City,Address 1 - Region,Address 1 - Postal Code,Address 1 - Country,Labels\n" +
		"Ada,King,Lovelace,Analytical Engines,Countess,* Home,ada@example.test,Work,ada@engines.test,Mobile,(415) 555-0150 ::: +1 415 555 0151,Home,12 St James's Square,London,,SW1Y 4JH,UK,* myContacts\n" +
		",,,Acme Widgets,,,,,,Work,415-555-0160,,,,,,,\n"
	rows, err := contactcsv.Read(strings.NewReader(file))
	require.NoError(t, err)
	require.Len(t, rows, 2)
	ada := rows[0]
	assert.Equal(t, 2, ada.Line)
	assert.Equal(t, contacts.Input{Kind: models.ContactPerson, FirstName: "Ada", MiddleName: "King", LastName: "Lovelace", Title: "Countess", CompanyName: "Analytical Engines",
		Emails:    []contacts.EmailInput{{Address: "ada@example.test", Label: "home"}, {Address: "ada@engines.test", Label: "work"}},
		Phones:    []contacts.PhoneInput{{Number: "(415) 555-0150", Label: "mobile"}, {Number: "+1 415 555 0151", Label: "mobile"}},
		Addresses: []contacts.AddressInput{{Label: "home", Street: "12 St James's Square", City: "London", PostalCode: "SW1Y 4JH", Country: "UK"}}}, ada.Input)
	assert.Equal(t, models.ContactCompany, rows[1].Input.Kind, "a row with only an organization is a company")
	assert.Equal(t, "Acme Widgets", rows[1].Input.CompanyName)
}

func TestReadClioExport(t *testing.T) {
	file := "Name,First Name,Last Name,Type,Company,Title,Email Address (Work),Email Address (Home),Phone Number (Work),Phone Number (Mobile),Address (Work) Street,Address (Work) City,Address (Work) State,Address (Work) Zip,Address (Work) Country\n" +
		"Grace Hopper,Grace,Hopper,Person,US Navy,Rear Admiral,grace@navy.test,,202-555-0101,(202) 555-0102,1 Navy Way,Arlington,VA,22202,USA\n" +
		"Initech LLC,,,Company,,,,info@initech.test,,,,,,,\n" +
		"\"Mary Ann Smith\",,,Person,,,,,,,,,,,\n" +
		",,,,,,,,,,,,,,\n"
	rows, err := contactcsv.Read(strings.NewReader(file))
	require.NoError(t, err)
	require.Len(t, rows, 4)
	g := rows[0].Input
	assert.Equal(t, "Grace", g.FirstName)
	assert.Equal(t, []contacts.EmailInput{{Address: "grace@navy.test", Label: "work"}}, g.Emails)
	assert.Equal(t, []contacts.PhoneInput{{Number: "202-555-0101", Label: "work"}, {Number: "(202) 555-0102", Label: "mobile"}}, g.Phones)
	assert.Equal(t, []contacts.AddressInput{{Label: "work", Street: "1 Navy Way", City: "Arlington", Province: "VA", PostalCode: "22202", Country: "USA"}}, g.Addresses)
	assert.Equal(t, contacts.Input{Kind: models.ContactCompany, CompanyName: "Initech LLC", Emails: []contacts.EmailInput{{Address: "info@initech.test", Label: "home"}}}, rows[1].Input)
	assert.Equal(t, "Mary Ann", rows[2].Input.FirstName, "a full name is split at its last space")
	assert.Equal(t, "Smith", rows[2].Input.LastName)
	assert.True(t, rows[3].Empty)
	assert.Equal(t, 5, rows[3].Line)
}

func TestReadRefusesFilesItCannotRead(t *testing.T) {
	for name, file := range map[string]string{
		"empty":           "",
		"no known column": "Foo,Bar\n1,2\n",
		"a binary file":   "\x00\x01\x02PK",
	} {
		_, err := contactcsv.Read(strings.NewReader(file))
		assert.ErrorIs(t, err, contactcsv.ErrNoColumns, name)
	}
	rows, err := contactcsv.Read(strings.NewReader("Name\n"))
	require.NoError(t, err)
	assert.Empty(t, rows, "a header alone is an empty list")
}
