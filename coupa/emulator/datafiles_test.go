package emulator

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// Loaded Users CSVs become data file sources: filtered by file name and
// source, paged by 50, with a row error per refused row.
func TestDataFileSources(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	csv := "\"Login\",\"Status\",\"Email\",\"First Name\",\"Last Name\"\n" +
		"\"new.one\",\"active\",\"new.one@acme.example\",\"New\",\"One\"\n" +
		"\"new.two\",\"active\",\"akim@acme.example\",\"New\",\"Two\"\n" // akim's email: refused
	a.srv.LoadUsersCSV("users_1.csv", []byte(csv))
	for i := 0; i < 55; i++ {
		a.srv.LoadUsersCSV(fmt.Sprintf("other_%02d.csv", i), []byte("\"Login\"\n"))
	}
	var src map[string]any
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		_, out := a.call("GET", "/api/data_file_sources?file_file_name=users_1.csv&source_for=User", nil)
		if l := out.([]any); len(l) == 1 && l[0].(map[string]any)["status"] == "Done" {
			src = l[0].(map[string]any)
			break
		}
	}
	if src == nil {
		t.Fatal("never Done")
	}
	if src["result-text"] != "2 rows processed, creating 1 new rows and updating 0 rows" {
		t.Fatalf("%v", src["result-text"])
	}
	errs := src["upload-errors"].([]any)
	if len(errs) != 1 {
		t.Fatalf("%v", errs)
	}
	e := errs[0].(map[string]any)
	if e["row"] != 2.0 || e["first-column"] != "new.two" || e["type"] != "UploadRowError" ||
		!strings.Contains(fmt.Sprint(e["field-errors"]), "Email has already been taken") {
		t.Fatalf("%v", e)
	}
	_, page1 := a.call("GET", "/api/data_file_sources?source_for=User", nil)
	_, page2 := a.call("GET", "/api/data_file_sources?source_for=User&offset=50", nil)
	if len(page1.([]any)) != 50 || len(page2.([]any)) != 6 {
		t.Fatalf("paging: %d + %d", len(page1.([]any)), len(page2.([]any)))
	}
	id := fmt.Sprint(src["id"])
	if st, one := a.call("GET", "/api/data_file_sources/"+id, nil); st != 200 || one.(map[string]any)["file-file-name"] != "users_1.csv" {
		t.Fatalf("show: %d %v", st, one)
	}
}

// Files load one at a time, in the order they came: a file creating a
// report loads after the one creating their manager, however close
// together they arrive.
func TestDataFilesLoadInTheOrderTheyCame(t *testing.T) {
	t.Parallel()
	for i := 0; i < 50; i++ {
		srv := New(nil, Options{})
		srv.LoadUsersCSV("users_01.csv", []byte("Login,Email,First Name,Last Name\nboss,boss@acme.example,Bo,Ss\n"))
		<-srv.LoadUsersCSV("users_02.csv", []byte("Login,Email,First Name,Last Name,Approver Login\nreport,report@acme.example,Re,Port,boss\n"))
		for _, u := range srv.Users() {
			if u.Login == "report" && (u.Manager == nil || u.Manager.Login != "boss") {
				t.Fatalf("round %d: the report loaded before its manager: %+v", i, u.Manager)
			}
		}
		if errs := srv.files[1]["upload-errors"].([]any); len(errs) != 0 {
			t.Fatalf("round %d: the second file was refused: %v", i, errs)
		}
	}
}
