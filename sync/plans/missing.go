package plans

// MissingValue is a segment value the feed uses and Coupa's lookup lacks:
// listed once, with every user it holds back, so the operator loads it
// (diff --missing-values) before the users.
type MissingValue struct {
	Lookup  string   `json:"lookup"`
	Segment int      `json:"segment"`
	Name    string   `json:"name,omitempty"` // as the feed names it (segments 1-7 carry names)
	Code    string   `json:"code,omitempty"` // as the feed codes it
	Users   []string `json:"users"`
}
