package coupa

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// DataFileSource is Coupa's record of a loaded flat file: its status
// (Done, Failed, Retrying, Loading, Submitted to Resque, Pending,
// Uploading, Paused, Stopped), a result text, and the rows it refused.
type DataFileSource struct {
	ID           int           `json:"id"`
	CreatedAt    string        `json:"created-at"`
	Status       string        `json:"status"`
	SourceFor    string        `json:"source-for"`
	FileName     string        `json:"file-file-name"`
	ResultText   string        `json:"result-text"`
	UploadErrors []UploadError `json:"-"`
}

// UploadError is one refused row.
type UploadError struct {
	Type           string   `json:"type"`
	Row            int      `json:"row"`
	FirstColumn    string   `json:"first-column"`
	FieldWithError string   `json:"field-with-error"`
	Value          string   `json:"value"`
	FieldErrors    []string `json:"field-errors"`
}

// UnmarshalJSON reads upload-errors as a list, or wrapped as the XML
// shape ({"upload-error": [...]}) may come through.
func (d *DataFileSource) UnmarshalJSON(b []byte) error {
	type plain DataFileSource
	var p struct {
		plain
		Errors json.RawMessage `json:"upload-errors"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*d = DataFileSource(p.plain)
	if len(p.Errors) == 0 || string(p.Errors) == "null" {
		return nil
	}
	if err := json.Unmarshal(p.Errors, &d.UploadErrors); err == nil {
		return nil
	}
	var wrapped struct {
		List []UploadError `json:"upload-error"`
	}
	if err := json.Unmarshal(p.Errors, &wrapped); err != nil {
		return err
	}
	d.UploadErrors = wrapped.List
	return nil
}

// DataFileSources lists the data file sources of a file (by name), newest
// first, paging by 50.
func (c *Client) DataFileSources(ctx context.Context, fileName string) ([]DataFileSource, error) {
	var out []DataFileSource
	seen := map[int]bool{}
	for offset := 0; ; offset += PageSize {
		if offset >= maxListPages*PageSize {
			return nil, fmt.Errorf("Coupa GET /api/data_file_sources: more than %d pages; stopping the read", maxListPages)
		}
		q := url.Values{"file_file_name": {fileName}, "source_for": {"User"}, "limit": {strconv.Itoa(PageSize)}, "offset": {strconv.Itoa(offset)}}
		var page []DataFileSource
		if err := c.do(ctx, http.MethodGet, "data_file_sources", q, nil, &page); err != nil {
			return nil, err
		}
		fresh := len(page) == 0
		for _, d := range page {
			if d.ID == 0 || !seen[d.ID] {
				fresh = true
			}
			seen[d.ID] = true
		}
		if !fresh {
			return nil, fmt.Errorf("Coupa GET /api/data_file_sources: the page at offset %d repeats records already read; stopping the read (Coupa is not paging as documented)", offset)
		}
		out = append(out, page...)
		if len(page) < PageSize {
			return out, nil
		}
	}
}
