// Package docstore stores client documents as content-addressed blobs.
//
// Keys are the lowercase hex SHA-256 of the content, so callers never choose
// a storage path: a key is either 64 hex characters or it is rejected. This
// keeps client-supplied names (which belong in the database, not on disk)
// from ever reaching the filesystem.
package docstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"

	"github.com/gabriel-vasile/mimetype"
)

// Sentinel errors; match them with errors.Is, since every returned error is
// wrapped with the operation that failed.
var (
	ErrNotFound   = errors.New("docstore: not found")
	ErrInvalidKey = errors.New("docstore: invalid key")
	ErrTooLarge   = errors.New("docstore: object too large")
)

// Object describes a stored blob.
type Object struct {
	Key    string // lowercase hex SHA-256 of the content
	Size   int64
	SHA256 string // hex; equal to Key, kept separate so callers need not know the scheme
	MIME   string // sniffed from the content, e.g. "application/pdf" or "text/plain; charset=utf-8"
}

// Store is a blob store addressed by content hash.
type Store interface {
	// Put streams r into the store (never holding it all in memory). If limit > 0 and r yields more
	// than limit bytes, nothing is kept and the error is ErrTooLarge.
	Put(ctx context.Context, r io.Reader, limit int64) (Object, error)
	// Open returns the blob for reading; ErrNotFound, ErrInvalidKey.
	Open(ctx context.Context, key string) (io.ReadSeekCloser, error)
	// Stat returns the blob size; ErrNotFound, ErrInvalidKey.
	Stat(ctx context.Context, key string) (size int64, err error)
	// Delete removes the blob; a missing key is not an error. ErrInvalidKey.
	Delete(ctx context.Context, key string) error
}

const (
	keyLen    = sha256.Size * 2
	tmpDir    = "tmp"
	dirPerm   = 0o750
	sniffLen  = 3072 // mimetype's default read limit; more bytes don't improve detection
	copyChunk = 32 << 10
)

// Disk is a Store backed by a local directory. Layout:
//
//	dir/tmp/put-*           in-flight uploads (same filesystem, so rename is atomic)
//	dir/ab/cd/abcd…(64 hex) committed blobs
//
// Disk is safe for concurrent use, including by several processes sharing dir.
type Disk struct {
	dir string
	tmp string
}

var _ Store = (*Disk)(nil)

// NewDisk returns a Disk rooted at dir, creating dir (0o750) and its tmp/
// subdirectory if missing.
func NewDisk(dir string) (*Disk, error) {
	if dir == "" {
		return nil, errors.New("docstore: new disk: empty dir")
	}
	// Absolute so that a later os.Chdir in the process can't redirect writes.
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("docstore: new disk: %w", err)
	}
	tmp := filepath.Join(abs, tmpDir)
	if err := os.MkdirAll(tmp, dirPerm); err != nil {
		return nil, fmt.Errorf("docstore: new disk: %w", err)
	}
	return &Disk{dir: abs, tmp: tmp}, nil
}

// Put implements Store. The blob is written to dir/tmp, hashed while it is
// copied, fsynced and only then renamed to its key, so a crash can leave at
// worst an orphan in tmp/ but never a truncated blob under a real key.
func (d *Disk) Put(ctx context.Context, r io.Reader, limit int64) (obj Object, err error) {
	if err := ctx.Err(); err != nil {
		return Object{}, fmt.Errorf("docstore: put: %w", err)
	}
	if r == nil {
		return Object{}, errors.New("docstore: put: nil reader")
	}

	f, err := os.CreateTemp(d.tmp, "put-*")
	if err != nil {
		return Object{}, fmt.Errorf("docstore: put: create temp: %w", err)
	}
	tmpName := f.Name()
	closed := false
	committed := false
	defer func() {
		// Any failure path must leave nothing behind, not even in tmp/.
		if !closed {
			_ = f.Close()
		}
		if !committed {
			_ = os.Remove(tmpName)
		}
	}()

	h := sha256.New()
	head := &headBuffer{buf: make([]byte, 0, sniffLen)}
	w := io.MultiWriter(f, h, head)

	var src io.Reader = &ctxReader{ctx: ctx, r: r}
	if limit > 0 && limit < math.MaxInt64 {
		// Read one byte past the limit: that is how we tell "exactly limit"
		// from "too large" without buffering or trusting a declared length.
		src = io.LimitReader(src, limit+1)
	}

	n, err := io.CopyBuffer(w, src, make([]byte, copyChunk))
	if err != nil {
		return Object{}, fmt.Errorf("docstore: put: copy: %w", err)
	}
	if limit > 0 && n > limit {
		return Object{}, fmt.Errorf("docstore: put: more than %d bytes: %w", limit, ErrTooLarge)
	}
	// The reader may have finished just as the caller gave up; honour the
	// cancellation rather than committing something nobody will record.
	if err := ctx.Err(); err != nil {
		return Object{}, fmt.Errorf("docstore: put: %w", err)
	}

	if err := f.Sync(); err != nil {
		return Object{}, fmt.Errorf("docstore: put: sync: %w", err)
	}
	closed = true
	if err := f.Close(); err != nil {
		return Object{}, fmt.Errorf("docstore: put: close: %w", err)
	}

	sum := hex.EncodeToString(h.Sum(nil))
	obj = Object{
		Key:    sum,
		Size:   n,
		SHA256: sum,
		MIME:   mimetype.Detect(head.buf).String(),
	}

	final := d.path(sum)
	if fi, err := os.Lstat(final); err == nil && fi.Mode().IsRegular() {
		// Same hash means same content: keep the existing blob (dedup); the
		// deferred cleanup discards the temp file.
		return obj, nil
	}

	parent := filepath.Dir(final)
	if err := os.MkdirAll(parent, dirPerm); err != nil {
		return Object{}, fmt.Errorf("docstore: put %s: mkdir: %w", sum, err)
	}
	// Rename atomically replaces, so a concurrent Put of identical content
	// that wins the race is harmless: both files hold the same bytes.
	if err := os.Rename(tmpName, final); err != nil {
		return Object{}, fmt.Errorf("docstore: put %s: rename: %w", sum, err)
	}
	committed = true
	// Persist the directory entry too. Best effort: the blob itself is
	// already complete and fsynced, and some platforms can't sync dirs.
	syncDir(parent)
	return obj, nil
}

// Open implements Store.
func (d *Disk) Open(ctx context.Context, key string) (io.ReadSeekCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("docstore: open: %w", err)
	}
	if !validKey(key) {
		// The rejected key is deliberately not echoed: it is client input.
		return nil, fmt.Errorf("docstore: open: %w", ErrInvalidKey)
	}
	f, err := os.Open(d.path(key))
	if err != nil {
		return nil, fmt.Errorf("docstore: open %s: %w", key, notFound(err))
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("docstore: open %s: %w", key, err)
	}
	if !fi.Mode().IsRegular() {
		// Only Put creates entries at key paths, and it only creates files.
		_ = f.Close()
		return nil, fmt.Errorf("docstore: open %s: %w", key, ErrNotFound)
	}
	return f, nil
}

// Stat implements Store.
func (d *Disk) Stat(ctx context.Context, key string) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("docstore: stat: %w", err)
	}
	if !validKey(key) {
		return 0, fmt.Errorf("docstore: stat: %w", ErrInvalidKey)
	}
	fi, err := os.Stat(d.path(key))
	if err != nil {
		return 0, fmt.Errorf("docstore: stat %s: %w", key, notFound(err))
	}
	if !fi.Mode().IsRegular() {
		return 0, fmt.Errorf("docstore: stat %s: %w", key, ErrNotFound)
	}
	return fi.Size(), nil
}

// Delete implements Store. Empty ab/cd directories are left in place: removing
// them would race with a concurrent Put that has just created them.
func (d *Disk) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("docstore: delete: %w", err)
	}
	if !validKey(key) {
		return fmt.Errorf("docstore: delete: %w", ErrInvalidKey)
	}
	if err := os.Remove(d.path(key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("docstore: delete %s: %w", key, err)
	}
	return nil
}

// path maps a validated key to dir/ab/cd/<key>; the two fan-out levels keep
// directories small. Callers must have checked validKey.
func (d *Disk) path(key string) string {
	return filepath.Join(d.dir, key[0:2], key[2:4], key)
}

// validKey reports whether key is exactly 64 lowercase hex characters. This is
// the only thing standing between a key and the filesystem, so it allows no
// separators, dots, uppercase or other encodings of the same hash.
func validKey(key string) bool {
	if len(key) != keyLen {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// notFound maps fs "does not exist" errors to ErrNotFound while keeping other
// errors (permissions, I/O) distinct so they aren't mistaken for a 404.
func notFound(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return ErrNotFound
	}
	return err
}

func syncDir(dir string) {
	f, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = f.Sync()
	_ = f.Close()
}

// ctxReader stops a copy between chunks once ctx is done. It cannot interrupt
// a Read that is already blocked; the caller's reader must handle that (e.g.
// an HTTP body is closed when the request's context ends).
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

// headBuffer keeps the first cap(buf) bytes written to it so the MIME type can
// be sniffed without reading the stream twice; it discards the rest.
type headBuffer struct {
	buf []byte
}

func (h *headBuffer) Write(p []byte) (int, error) {
	if room := cap(h.buf) - len(h.buf); room > 0 {
		h.buf = append(h.buf, p[:min(room, len(p))]...)
	}
	// Report the full length: io.MultiWriter treats a short write as an error.
	return len(p), nil
}

// Dir is the folder the store keeps its files in.
func (d *Disk) Dir() string { return d.dir }
