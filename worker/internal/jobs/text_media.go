package jobs

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/gabriel-vasile/mimetype"
	"github.com/hibiken/asynq"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/texting"
	"github.com/parleyhq/parley/shared/tasks"
	"github.com/parleyhq/parley/worker/internal/carrier"
)

// Reasons a media item is refused after the gateway let it through (the
// type and size reasons come from shared/sms).
const (
	ReasonGone    = "The carrier no longer has this file."
	ReasonNoFetch = "The file could not be downloaded from the carrier."
	// ReasonOrigin: the webhook named media somewhere other than the carrier.
	ReasonOrigin = "Media from an unexpected address was not downloaded."
)

// FetchTextMedia downloads one MMS item, checks its bytes (the declared type
// can lie) and has the texting store keep it: filed as a document in the
// "Text messages" folder of each of the contact's matters, or among the
// contact's own documents if there are none. A second run finds it decided.
func (j *Jobs) FetchTextMedia(ctx context.Context, t *asynq.Task) error {
	p, err := tasks.Decode[tasks.TextMediaFetch](t)
	if err != nil {
		return err
	}
	pm, err := j.Stores.Texting.MediaToFetch(ctx, store.System{FirmID: p.FirmID}, p.MediaID)
	if errors.Is(err, store.ErrNotFound) {
		return notFound(err, "media %d of firm %d", p.MediaID, p.FirmID)
	}
	if err != nil || pm == nil {
		return err
	}
	m := pm.Media

	data, err := carrier.Media{HTTP: j.MediaHTTP, Config: j.Config}.Fetch(ctx, sms.Dialect(pm.Text.Dialect), m.URL)
	if err != nil {
		var fe *carrier.FetchError
		switch {
		case errors.Is(err, carrier.ErrMediaTooLarge):
			return j.refuseMedia(ctx, m, sms.ReasonTooLarge, "", 0)
		case errors.Is(err, carrier.ErrMediaOrigin):
			return j.refuseForGood(ctx, m, ReasonOrigin, err)
		case errors.As(err, &fe) && fe.Gone():
			return j.refuseForGood(ctx, m, ReasonGone, err)
		case errors.As(err, &fe) && !fe.Temporary():
			return j.refuseForGood(ctx, m, ReasonNoFetch, err)
		case lastAttempt(ctx):
			// Out of retries: say so on the message rather than leave the
			// item pending for ever.
			if rerr := j.refuseMedia(ctx, m, ReasonNoFetch, "", 0); rerr != nil {
				return rerr
			}
		}
		return fmt.Errorf("media %d: %w", m.ID, err)
	}

	sniffed := mimetype.Detect(data)
	if ok, reason := sms.SniffedAllowed(sniffed.String()); !ok {
		return j.refuseMedia(ctx, m, reason, sniffed.String(), int64(len(data)))
	}
	obj, err := j.Docs.Put(ctx, bytes.NewReader(data), sms.MaxMediaBytes)
	if err != nil {
		return fmt.Errorf("media %d: store: %w", m.ID, err)
	}
	docs, err := j.Stores.Texting.KeepMedia(ctx, *pm, texting.Kept{SniffedType: sniffed.String(), Extension: sniffed.Extension(),
		Size: obj.Size, SHA256: obj.SHA256, Key: obj.Key})
	if err != nil {
		return err
	}
	j.Log.InfoContext(ctx, "text media kept", "media_id", m.ID, "type", sniffed.String(), "documents", docs)
	return nil
}

// refuseMedia records why an item was not kept.
func (j *Jobs) refuseMedia(ctx context.Context, m models.TextMedia, reason, sniffed string, size int64) error {
	if err := j.Stores.Texting.RefuseMedia(ctx, m, reason, sniffed, size); err != nil {
		return err
	}
	j.Log.InfoContext(ctx, "text media refused", "media_id", m.ID, "reason", reason, "type", sniffed)
	return nil
}

// refuseForGood refuses an item that asking again would not bring.
func (j *Jobs) refuseForGood(ctx context.Context, m models.TextMedia, reason string, cause error) error {
	if err := j.refuseMedia(ctx, m, reason, "", 0); err != nil {
		return err
	}
	return fmt.Errorf("media %d: %w: %w", m.ID, cause, asynq.SkipRetry)
}
