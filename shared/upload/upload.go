// Package upload reads "send documents" forms (multipart/form-data) as a
// stream: each file goes straight from the request body into the docstore,
// so neither the body nor a file is ever held in memory or spooled to a temp
// file of our own. A file's type is decided by its content, never by the name
// or Content-Type the client declared.
//
// The whole request must still be bounded by the caller (for fiber: set
// StreamRequestBody and a BodyLimit of about MaxFiles×MaxFileSize), since a
// refused file is read to its end to reach the next part.
package upload

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"strings"

	"github.com/gabriel-vasile/mimetype"

	"github.com/parleyhq/parley/shared/docstore"
)

// Sentinel errors; every returned error wraps one of these, ctx.Err(), or a
// storage failure (a server error).
var (
	ErrForbidden  = errors.New("upload: forbidden")   // the CSRF field was missing or wrong
	ErrBadRequest = errors.New("upload: bad request") // not a well-formed form within the limits
)

// Defaults used for zero Options fields, so a forgotten field never means
// "unbounded".
const (
	DefaultMaxFiles     = 20
	DefaultMaxFileSize  = 100 << 20
	DefaultMaxFieldSize = 64 << 10
)

const (
	sniffLen  = 3072 // what mimetype reads; more bytes don't improve detection
	maxFields = 50
	// File parts past MaxFiles are refused one by one, up to this many more;
	// beyond that the request is abuse, not a person choosing too many files.
	extraFiles   = 100
	maxBoundary  = 70 // RFC 2046
	reasonCount  = "Only %d files can be sent at once."
	reasonEmpty  = "The file is empty."
	formDataType = "multipart/form-data"
)

// Options bound one request.
type Options struct {
	MaxFiles     int   // files beyond this are refused with a reason, not stored; 0 means DefaultMaxFiles
	MaxFileSize  int64 // per file; 0 means DefaultMaxFileSize
	MaxFieldSize int64 // per non-file field, exceeding it is ErrBadRequest; 0 means DefaultMaxFieldSize
	// FileField is the form field that carries files. A file in any other
	// field is ErrBadRequest. Empty accepts files from any field.
	FileField string
	// If CSRFField != "", the FIRST part must be a non-file field with this
	// name for which CheckCSRF returns true; otherwise Read returns
	// ErrForbidden before reading any further part, so a forged request
	// stores nothing. Leave CSRFField empty when the request already passed a
	// CSRF check by header. The token is not copied into Result.Fields.
	CSRFField string
	CheckCSRF func(string) bool // nil with CSRFField set refuses every request
}

// File is a stored file.
type File struct {
	OrigName string          // SafeName of the client's file name
	Object   docstore.Object // Object.MIME is the docstore's full sniffed string
	MIME     string          // base type, e.g. "application/pdf"
}

// Refused is a file that was not stored, with a reason to show the sender.
type Refused struct {
	Name   string // SafeName of the client's file name
	Reason string // e.g. "Larger than the 100 MB limit."
}

// Result is what Read made of a form.
type Result struct {
	Fields  map[string]string // non-file fields; a repeated name keeps its last value
	Files   []File            // in the order sent
	Refused []Refused         // in the order sent
}

// Form is a multipart/form-data body read as a stream, part by part.
type Form struct {
	ctx context.Context
	mr  *multipart.Reader
}

// Open starts reading body, the raw request body stream, as
// multipart/form-data with the boundary from contentType. It reads nothing
// yet.
func Open(ctx context.Context, body io.Reader, contentType string) (*Form, error) {
	if body == nil {
		return nil, errors.New("upload: open: nil body")
	}
	boundary, err := boundaryOf(contentType)
	if err != nil {
		return nil, err
	}
	return &Form{ctx: ctx, mr: multipart.NewReader(&ctxReader{ctx: ctx, r: body}, boundary)}, nil
}

// CheckCSRF reads the first part only, which must be the non-file field
// named field with a value check accepts. Otherwise it returns ErrForbidden
// at once: the rest of the body, files included, is never read.
func (f *Form) CheckCSRF(field string, check func(string) bool) error {
	r := f.reader(nil, Options{}, nil)
	p, err := r.mr.NextPart()
	if err == io.EOF {
		return fmt.Errorf("%w: empty form, no CSRF field", ErrForbidden)
	}
	if err != nil {
		return r.readErr("csrf part", err)
	}
	name, _, isFile, err := disposition(p)
	if err != nil {
		return err
	}
	if isFile || name != field {
		return fmt.Errorf("%w: first part is not the CSRF field", ErrForbidden)
	}
	v, err := r.readValue(p)
	if errors.Is(err, ErrBadRequest) {
		return fmt.Errorf("%w: CSRF field too large", ErrForbidden)
	}
	if err != nil {
		return err
	}
	if check == nil || !check(v) {
		return fmt.Errorf("%w: CSRF token rejected", ErrForbidden)
	}
	return nil
}

// Read reads the rest of the form, storing each allowed file in store.
//
// Files stored before an error are still listed in the returned Result,
// alongside the error, so the caller can decide whether to record them or
// delete them (docstore blobs are shared by content, so deleting is only safe
// for keys no record points to).
func (f *Form) Read(store docstore.Store, opts Options) (Result, error) {
	res := Result{Fields: map[string]string{}}
	if store == nil {
		return res, errors.New("upload: read: nil store")
	}
	err := f.reader(store, opts, &res).run()
	return res, err
}

func (f *Form) reader(store docstore.Store, opts Options, res *Result) *reader {
	return &reader{
		ctx:   f.ctx,
		mr:    f.mr,
		store: store,
		opts:  opts.withDefaults(),
		res:   res,
		head:  bufio.NewReaderSize(nil, sniffLen),
	}
}

// Read is Open, then CheckCSRF when opts.CSRFField is set, then Form.Read.
func Read(ctx context.Context, body io.Reader, contentType string, store docstore.Store, opts Options) (Result, error) {
	if store == nil || body == nil {
		return Result{Fields: map[string]string{}}, errors.New("upload: read: nil store or body")
	}
	f, err := Open(ctx, body, contentType)
	if err != nil {
		return Result{Fields: map[string]string{}}, err
	}
	if opts.CSRFField != "" {
		if err := f.CheckCSRF(opts.CSRFField, opts.CheckCSRF); err != nil {
			return Result{Fields: map[string]string{}}, err
		}
	}
	return f.Read(store, opts)
}

func (o Options) withDefaults() Options {
	if o.MaxFiles <= 0 {
		o.MaxFiles = DefaultMaxFiles
	}
	if o.MaxFileSize <= 0 {
		o.MaxFileSize = DefaultMaxFileSize
	}
	if o.MaxFieldSize <= 0 {
		o.MaxFieldSize = DefaultMaxFieldSize
	}
	return o
}

func boundaryOf(contentType string) (string, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", fmt.Errorf("%w: content type: %w", ErrBadRequest, err)
	}
	if mt != formDataType {
		return "", fmt.Errorf("%w: content type %.64q is not %s", ErrBadRequest, mt, formDataType)
	}
	b := params["boundary"]
	if b == "" || len(b) > maxBoundary {
		return "", fmt.Errorf("%w: missing or overlong boundary", ErrBadRequest)
	}
	return b, nil
}

// reader holds the state of one Read.
type reader struct {
	ctx    context.Context
	mr     *multipart.Reader
	store  docstore.Store
	opts   Options
	res    *Result
	head   *bufio.Reader // reused for every file part
	fields int
	files  int // file parts counted against MaxFiles
}

func (r *reader) run() error {
	for {
		p, err := r.mr.NextPart()
		if err == io.EOF { // bare only: a wrapped EOF is a body that ended too soon
			return nil
		}
		if err != nil {
			return r.readErr("next part", err)
		}
		if err := r.part(p); err != nil {
			return err
		}
	}
}

func (r *reader) part(p *multipart.Part) error {
	name, filename, isFile, err := disposition(p)
	if err != nil {
		return err
	}
	if !isFile {
		return r.field(p, name)
	}
	if r.opts.FileField != "" && name != r.opts.FileField {
		return fmt.Errorf("%w: file in unexpected field %.64q", ErrBadRequest, name)
	}
	return r.file(p, filename)
}

// disposition returns the form name of p and, for a file part, the raw
// client file name. A part is a file when its disposition has a filename
// parameter, even an empty one: that is how a browser sends a file input
// with nothing chosen.
func disposition(p *multipart.Part) (name, filename string, isFile bool, err error) {
	d, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
	if err != nil {
		return "", "", false, fmt.Errorf("%w: part disposition: %w", ErrBadRequest, err)
	}
	if d != "form-data" || params["name"] == "" {
		return "", "", false, fmt.Errorf("%w: part is not a named form-data field", ErrBadRequest)
	}
	filename, isFile = params["filename"]
	return params["name"], filename, isFile, nil
}

func (r *reader) field(p *multipart.Part, name string) error {
	r.fields++
	if r.fields > maxFields {
		return fmt.Errorf("%w: more than %d fields", ErrBadRequest, maxFields)
	}
	v, err := r.readValue(p)
	if err != nil {
		return fmt.Errorf("%w (field %.64q)", err, name)
	}
	r.res.Fields[name] = v
	return nil
}

// readValue reads a non-file part of at most MaxFieldSize bytes.
func (r *reader) readValue(p *multipart.Part) (string, error) {
	b, err := io.ReadAll(io.LimitReader(p, r.opts.MaxFieldSize+1))
	if err != nil {
		return "", r.readErr("read field", err)
	}
	if int64(len(b)) > r.opts.MaxFieldSize {
		return "", fmt.Errorf("%w: field larger than %d bytes", ErrBadRequest, r.opts.MaxFieldSize)
	}
	return string(b), nil
}

func (r *reader) file(p *multipart.Part, filename string) error {
	name := SafeName(filename)
	r.head.Reset(p)
	head, err := r.head.Peek(sniffLen)
	if err != nil && err != io.EOF {
		return r.readErr("read file", err)
	}
	if len(head) == 0 && strings.TrimSpace(filename) == "" {
		return nil // a file input with nothing chosen
	}

	r.files++
	switch {
	case r.files > r.opts.MaxFiles+extraFiles:
		return fmt.Errorf("%w: more than %d files", ErrBadRequest, r.opts.MaxFiles+extraFiles)
	case r.files > r.opts.MaxFiles:
		// NextPart drains what is left of a refused part.
		return r.refuse(name, fmt.Sprintf(reasonCount, r.opts.MaxFiles))
	case len(head) == 0:
		return r.refuse(name, reasonEmpty)
	}

	mt := baseType(mimetype.Detect(head).String())
	if !Allowed(mt) || (mt == oleStorage && !oleNameOK(name)) {
		return r.refuse(name, typeReason(mt))
	}

	src := &errReader{r: r.head}
	obj, err := r.store.Put(r.ctx, src, r.opts.MaxFileSize)
	switch {
	case err == nil:
		r.res.Files = append(r.res.Files, File{OrigName: name, Object: obj, MIME: mt})
		return nil
	case r.ctx.Err() != nil:
		return fmt.Errorf("upload: store file: %w", r.ctx.Err())
	case src.err != nil:
		// The body broke off mid-file: the client's fault, not the store's.
		return r.readErr("read file", src.err)
	case errors.Is(err, docstore.ErrTooLarge):
		return r.refuse(name, sizeReason(r.opts.MaxFileSize))
	}
	return fmt.Errorf("upload: store file: %w", err)
}

func (r *reader) refuse(name, reason string) error {
	r.res.Refused = append(r.res.Refused, Refused{Name: name, Reason: reason})
	return nil
}

// readErr wraps a failure to read the body: the context's error if it ended,
// else ErrBadRequest, since a body that breaks off or isn't multipart is the
// client's doing.
func (r *reader) readErr(op string, err error) error {
	if cerr := r.ctx.Err(); cerr != nil {
		return fmt.Errorf("upload: %s: %w", op, cerr)
	}
	return fmt.Errorf("%w: %s: %w", ErrBadRequest, op, err)
}

// ctxReader stops reading the body once ctx is done. It can't interrupt a
// Read already blocked; an HTTP server closes the body when the request ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// errReader remembers a read error so that it can be told apart from a
// storage error after store.Put wraps both alike.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}
