package docstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newTestDisk(t testing.TB) (*Disk, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "store")
	d, err := NewDisk(dir)
	require.NoError(t, err)
	return d, dir
}

// storedFiles lists every non-directory entry under dir (relative paths), so
// tests can assert that failed Puts leave nothing in tmp/ or at any key.
func storedFiles(t testing.TB, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !e.IsDir() {
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				return err
			}
			files = append(files, rel)
		}
		return nil
	})
	require.NoError(t, err)
	return files
}

func hexSHA(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func samplePNG(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	for x := range 4 {
		for y := range 4 {
			img.Set(x, y, color.RGBA{R: uint8(x * 60), G: uint8(y * 60), B: 128, A: 255})
		}
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

func samplePDF() []byte {
	return []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n" +
		"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n" +
		"trailer\n<< /Root 1 0 R >>\n%%EOF\n")
}

func TestNewDisk(t *testing.T) {
	t.Parallel()

	t.Run("creates missing dir", func(t *testing.T) {
		t.Parallel()
		dir := filepath.Join(t.TempDir(), "a", "b")
		_, err := NewDisk(dir)
		require.NoError(t, err)
		fi, err := os.Stat(dir)
		require.NoError(t, err)
		assert.True(t, fi.IsDir())
		// umask may strip bits but must never add any beyond 0o750.
		assert.Zero(t, fi.Mode().Perm()&^0o750, "perm %v", fi.Mode().Perm())
		fi, err = os.Stat(filepath.Join(dir, "tmp"))
		require.NoError(t, err)
		assert.True(t, fi.IsDir())
	})

	t.Run("existing dir", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		_, err := NewDisk(dir)
		require.NoError(t, err)
		_, err = NewDisk(dir)
		require.NoError(t, err)
	})

	t.Run("empty dir", func(t *testing.T) {
		t.Parallel()
		_, err := NewDisk("")
		require.Error(t, err)
	})

	t.Run("path is a file", func(t *testing.T) {
		t.Parallel()
		p := filepath.Join(t.TempDir(), "file")
		require.NoError(t, os.WriteFile(p, []byte("x"), 0o600))
		_, err := NewDisk(p)
		require.Error(t, err)
	})
}

func TestPutOpenRoundTrip(t *testing.T) {
	t.Parallel()

	bigText := []byte(strings.Repeat("Privileged & confidential. ", 40_000)) // > sniff window and > one copy chunk
	tests := []struct {
		name string
		data []byte
		mime string
	}{
		{"png", samplePNG(t), "image/png"},
		{"pdf", samplePDF(), "application/pdf"},
		{"plain text", []byte("Dear client,\nplease find the engagement letter attached.\n"), "text/plain; charset=utf-8"},
		{"large text", bigText, "text/plain; charset=utf-8"},
		{"large pdf", append(samplePDF(), bytes.Repeat([]byte{0}, 1<<20)...), "application/pdf"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, dir := newTestDisk(t)
			ctx := t.Context()

			obj, err := d.Put(ctx, bytes.NewReader(tc.data), 0)
			require.NoError(t, err)
			want := hexSHA(tc.data)
			assert.Equal(t, want, obj.Key)
			assert.Equal(t, want, obj.SHA256)
			assert.Equal(t, int64(len(tc.data)), obj.Size)
			assert.Equal(t, tc.mime, obj.MIME)

			// Stored at dir/ab/cd/<key> and nothing left in tmp/.
			assert.Equal(t, []string{filepath.Join(want[0:2], want[2:4], want)}, storedFiles(t, dir))

			size, err := d.Stat(ctx, obj.Key)
			require.NoError(t, err)
			assert.Equal(t, int64(len(tc.data)), size)

			rc, err := d.Open(ctx, obj.Key)
			require.NoError(t, err)
			t.Cleanup(func() { _ = rc.Close() })
			got, err := io.ReadAll(rc)
			require.NoError(t, err)
			assert.True(t, bytes.Equal(tc.data, got), "content differs")

			// Seekable, so it can back http.ServeContent range requests.
			off := int64(len(tc.data) / 2)
			_, err = rc.Seek(off, io.SeekStart)
			require.NoError(t, err)
			tail, err := io.ReadAll(rc)
			require.NoError(t, err)
			assert.True(t, bytes.Equal(tc.data[off:], tail), "content after seek differs")
		})
	}
}

func TestPutEmpty(t *testing.T) {
	t.Parallel()
	d, _ := newTestDisk(t)
	obj, err := d.Put(t.Context(), bytes.NewReader(nil), 10)
	require.NoError(t, err)
	assert.Equal(t, hexSHA(nil), obj.Key)
	assert.Zero(t, obj.Size)
	assert.NotEmpty(t, obj.MIME)
}

func TestPutDedup(t *testing.T) {
	t.Parallel()
	d, dir := newTestDisk(t)
	ctx := t.Context()
	data := samplePDF()

	first, err := d.Put(ctx, bytes.NewReader(data), 0)
	require.NoError(t, err)
	second, err := d.Put(ctx, bytes.NewReader(data), 0)
	require.NoError(t, err)
	assert.Equal(t, first, second)
	assert.Len(t, storedFiles(t, dir), 1, "identical content must be stored once, temp discarded")
}

func TestPutConcurrentSameContent(t *testing.T) {
	t.Parallel()
	d, dir := newTestDisk(t)
	ctx := t.Context()
	data := bytes.Repeat([]byte("same bytes "), 10_000)

	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			obj, err := d.Put(ctx, bytes.NewReader(data), 0)
			if err == nil && obj.Key != hexSHA(data) {
				err = errors.New("wrong key " + obj.Key)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.Len(t, storedFiles(t, dir), 1)
}

func TestInvalidKeys(t *testing.T) {
	t.Parallel()
	valid := hexSHA([]byte("x"))
	keys := []struct {
		name string
		key  string
	}{
		{"empty", ""},
		{"dotdot etc passwd", "../etc/passwd"},
		{"dotdot nested", "ab/../../x"},
		{"absolute", "/etc/passwd"},
		{"dotdot padded to 64", "../../" + valid[:58]},
		{"slashes padded to 64", valid[:2] + "/" + valid[2:4] + "/" + valid[6:]},
		{"dotdot suffix padded to 64", valid[:61] + "/.."},
		{"backslash dotdot padded to 64", `..\..\` + valid[:58]},
		{"uppercase", strings.ToUpper(valid)},
		{"one uppercase char", "A" + valid[1:]},
		{"too short", valid[:63]},
		{"too long", valid + "0"},
		{"non hex", "g" + valid[1:]},
		{"nul byte", valid[:63] + "\x00"},
		{"trailing newline", valid[:63] + "\n"},
		{"unicode digit", "٠" + valid[2:]}, // 2-byte rune keeps len() at 64
		{"dot", "."},
		{"tmp dir", "tmp"},
	}
	for _, tc := range keys {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, _ := newTestDisk(t)
			ctx := t.Context()

			rc, err := d.Open(ctx, tc.key)
			require.ErrorIs(t, err, ErrInvalidKey)
			assert.Nil(t, rc)

			_, err = d.Stat(ctx, tc.key)
			require.ErrorIs(t, err, ErrInvalidKey)

			require.ErrorIs(t, d.Delete(ctx, tc.key), ErrInvalidKey)
		})
	}
}

func TestDeleteTraversalDoesNotTouchOutsideFiles(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	d, err := NewDisk(filepath.Join(root, "store"))
	require.NoError(t, err)
	victim := filepath.Join(root, "victim")
	require.NoError(t, os.WriteFile(victim, []byte("keep me"), 0o600))

	for _, key := range []string{"../victim", "../../victim", victim} {
		require.ErrorIs(t, d.Delete(t.Context(), key), ErrInvalidKey)
	}
	_, err = os.Stat(victim)
	require.NoError(t, err, "file outside the store was removed")
}

func TestMissingKey(t *testing.T) {
	t.Parallel()
	d, _ := newTestDisk(t)
	ctx := t.Context()
	key := hexSHA([]byte("never stored"))

	rc, err := d.Open(ctx, key)
	require.ErrorIs(t, err, ErrNotFound)
	assert.Nil(t, rc)

	_, err = d.Stat(ctx, key)
	require.ErrorIs(t, err, ErrNotFound)

	require.NoError(t, d.Delete(ctx, key))
}

func TestDelete(t *testing.T) {
	t.Parallel()
	d, dir := newTestDisk(t)
	ctx := t.Context()

	obj, err := d.Put(ctx, strings.NewReader("to be deleted"), 0)
	require.NoError(t, err)
	require.NoError(t, d.Delete(ctx, obj.Key))
	require.NoError(t, d.Delete(ctx, obj.Key), "second delete is a no-op")

	_, err = d.Open(ctx, obj.Key)
	require.ErrorIs(t, err, ErrNotFound)
	assert.Empty(t, storedFiles(t, dir))
}

// endless yields bytes forever; a Put that honours its limit must still return.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

func TestPutLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		r       func() io.Reader
		limit   int64
		wantErr error
	}{
		{"no limit", func() io.Reader { return strings.NewReader("0123456789") }, 0, nil},
		{"negative means no limit", func() io.Reader { return strings.NewReader("0123456789") }, -1, nil},
		{"exactly at limit", func() io.Reader { return strings.NewReader("0123456789") }, 10, nil},
		{"one byte over", func() io.Reader { return strings.NewReader("0123456789") }, 9, ErrTooLarge},
		{"large over", func() io.Reader { return bytes.NewReader(make([]byte, 200<<10)) }, 100 << 10, ErrTooLarge},
		{"endless stream", func() io.Reader { return endless{} }, 1 << 20, ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, dir := newTestDisk(t)
			obj, err := d.Put(t.Context(), tc.r(), tc.limit)
			if tc.wantErr == nil {
				require.NoError(t, err)
				assert.Len(t, storedFiles(t, dir), 1)
				return
			}
			require.ErrorIs(t, err, tc.wantErr)
			assert.Zero(t, obj)
			assert.Empty(t, storedFiles(t, dir), "nothing may be kept in tmp/ or at a key")
		})
	}
}

func TestPutReaderErrorLeavesNothing(t *testing.T) {
	t.Parallel()
	errBoom := errors.New("connection reset")
	d, dir := newTestDisk(t)

	// 100 KiB (several copy chunks, so the temp file really has data) then an error.
	r := io.MultiReader(bytes.NewReader(bytes.Repeat([]byte("x"), 100<<10)), iotest.ErrReader(errBoom))
	obj, err := d.Put(t.Context(), r, 0)
	require.ErrorIs(t, err, errBoom)
	assert.Zero(t, obj)
	assert.Empty(t, storedFiles(t, dir))
}

// cancelAfter cancels its context after n successful reads, simulating a
// client that disconnects mid-upload.
type cancelAfter struct {
	r      io.Reader
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if c.n--; c.n <= 0 {
		c.cancel()
	}
	return n, err
}

func TestPutCancelledContextLeavesNothing(t *testing.T) {
	t.Parallel()

	t.Run("cancelled midway", func(t *testing.T) {
		t.Parallel()
		d, dir := newTestDisk(t)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		r := &cancelAfter{r: bytes.NewReader(make([]byte, 1<<20)), n: 2, cancel: cancel}

		_, err := d.Put(ctx, r, 0)
		require.ErrorIs(t, err, context.Canceled)
		assert.Empty(t, storedFiles(t, dir))
	})

	t.Run("cancelled before", func(t *testing.T) {
		t.Parallel()
		d, dir := newTestDisk(t)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()

		_, err := d.Put(ctx, strings.NewReader("hello"), 0)
		require.ErrorIs(t, err, context.Canceled)
		assert.Empty(t, storedFiles(t, dir))
	})
}

func BenchmarkPut(b *testing.B) {
	d, _ := newTestDisk(b)
	ctx := b.Context()
	data := make([]byte, 1<<20)
	for i := range data {
		data[i] = byte(i * 7)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var i uint64
	for b.Loop() {
		// Unique content each time so we measure a real write, not dedup;
		// delete afterwards so the benchmark doesn't fill the disk.
		i++
		binary.LittleEndian.PutUint64(data, i)
		obj, err := d.Put(ctx, bytes.NewReader(data), 0)
		if err != nil {
			b.Fatal(err)
		}
		if err := d.Delete(ctx, obj.Key); err != nil {
			b.Fatal(err)
		}
	}
}
