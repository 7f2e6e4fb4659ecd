// The Go original's design, for the side-by-side benchmark: gorilla/websocket echoing each message
// with its own type and logging "<remote address> sent: <message>" for each one.
// Built by bench/run.sh from Debian's golang-go and golang-github-gorilla-websocket-dev, offline.
package main

import (
	"flag"
	"log"
	"net/http"
	"os"

	"github.com/gorilla/websocket"
)

var upgrader = websocket.Upgrader{ReadBufferSize: 4096, WriteBufferSize: 4096}

func echo(w http.ResponseWriter, r *http.Request) {
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	conn.SetReadLimit(1 << 20)
	for {
		kind, message, err := conn.ReadMessage()
		if err != nil {
			return
		}
		if err := conn.WriteMessage(kind, message); err != nil {
			return
		}
		log.Printf("%s sent: %s", conn.RemoteAddr(), message)
	}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8000", "listen address")
	flag.Parse()
	log.SetOutput(os.Stdout)
	http.HandleFunc("/ws/echo", echo)
	log.Fatal(http.ListenAndServe(*addr, nil))
}
