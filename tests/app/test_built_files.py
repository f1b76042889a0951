"""The offline basemap's folder is written by a build step: before it exists its paths are 404, not
Starlette's one-off configuration error (500), and once built they are served."""

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.main import _BuiltFiles


def test_a_folder_not_yet_built_answers_404_and_serves_once_built(tmp_path):
    folder = tmp_path / "basemap"
    app = FastAPI()
    app.mount("/basemap", _BuiltFiles(directory=folder, check_dir=False), name="basemap")
    client = TestClient(app)

    assert client.get("/basemap/water.json").status_code == 404

    folder.mkdir()
    (folder / "water.json").write_text('{"type": "FeatureCollection", "features": []}')
    response = client.get("/basemap/water.json")
    assert response.status_code == 200
    assert response.json()["features"] == []
