"""Append (or replace) one try in recipe-search.json, with its watch log read from out/<id>/watch.jsonl."""
import json, sys, os
path = os.path.join(os.path.dirname(__file__), "recipe-search.json")
entry = json.loads(sys.argv[1])
watch = os.path.join(os.path.dirname(__file__), "../../out", entry["id"], "watch.jsonl")
if os.path.exists(watch):
    entry["watch"] = [json.loads(l) for l in open(watch) if l.strip()]
tries = json.load(open(path)) if os.path.exists(path) else []
tries = [t for t in tries if t["id"] != entry["id"]] + [entry]
json.dump(tries, open(path, "w"), indent=1)
