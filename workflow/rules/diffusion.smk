"""Diffusion: who carried the storm, from where, and whether it looks organic.
INPUT: results/<case>/posts.parquet, results/<case>/sentiment.parquet.
OUTPUT: results/<case>/diffusion/diffusion.json (cascade, spreader, geography and coordination summaries),
        cascades.csv, cascade_items.parquet (each item's cascade, depth, parent link), spreaders.csv, spreaders_by_phase.csv, geography.csv, coordinated_authors.csv,
        field_coverage.csv, author_network.gexf (Gephi) and .graphml, figures/{cascades,spreaders,geography}.png.
"""


rule diffusion:
    input:
        posts="results/{case}/posts.parquet",
        sentiment="results/{case}/sentiment.parquet",
    output:
        summary=report(
            "results/{case}/diffusion/diffusion.json",
            caption="../report/diffusion.rst",
            category="{case}",
            labels={"case": "{case}", "table": "diffusion: cascades, spreaders, geography, coordination"},
        ),
        cascades="results/{case}/diffusion/cascades.csv",
        cascade_items="results/{case}/diffusion/cascade_items.parquet",
        spreaders=report(
            "results/{case}/diffusion/spreaders.csv",
            caption="../report/spreaders_table.rst",
            category="{case}",
            labels={"case": "{case}", "table": "key spreaders (pseudonymised)"},
        ),
        spreaders_by_phase="results/{case}/diffusion/spreaders_by_phase.csv",
        geography=report(
            "results/{case}/diffusion/geography.csv",
            caption="../report/geography_table.rst",
            category="{case}",
            labels={"case": "{case}", "table": "IP location by province and phase"},
        ),
        coordinated="results/{case}/diffusion/coordinated_authors.csv",
        coverage=report(
            "results/{case}/diffusion/field_coverage.csv",
            caption="../report/field_coverage.rst",
            category="{case}",
            labels={"case": "{case}", "table": "field coverage"},
        ),
        gexf="results/{case}/diffusion/author_network.gexf",
        graphml="results/{case}/diffusion/author_network.graphml",
        cascades_figure=report(
            "results/{case}/figures/cascades.png",
            caption="../report/cascades.rst",
            category="{case}",
            labels={"case": "{case}", "figure": "repost and reply cascades"},
        ),
        cascades_svg="results/{case}/figures/cascades.svg",
        spreaders_figure=report(
            "results/{case}/figures/spreaders.png",
            caption="../report/spreaders.rst",
            category="{case}",
            labels={"case": "{case}", "figure": "key spreaders"},
        ),
        spreaders_svg="results/{case}/figures/spreaders.svg",
        geography_figure=report(
            "results/{case}/figures/geography.png",
            caption="../report/geography.rst",
            category="{case}",
            labels={"case": "{case}", "figure": "geography (IP属地)"},
        ),
        geography_svg="results/{case}/figures/geography.svg",
    params:
        case_file=case_file,
        settings=config["diffusion"],
        code_version=CODE_VERSION,
    log:
        "logs/diffusion/{case}.log",
    benchmark:
        "benchmarks/diffusion/{case}.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/diffusion.py"
